package host

import (
	"context"
	"errors"
	"strings"

	"github.com/hostd/hostd/host/internal/errs"
	"github.com/hostd/hostd/host/internal/keyset"
	"github.com/hostd/hostd/host/internal/registry"
)

// PutKeySet implements admin.Control: it validates the JWKS document,
// stores it, and makes it the set jwt_verify uses from the next call on.
func (c *control) PutKeySet(_ context.Context, name string, jwks []byte) (bool, error) {
	set, err := keyset.Parse(jwks)
	if err != nil {
		msg := err.Error()
		var pe *keyset.ParseError
		if errors.As(err, &pe) {
			msg = strings.Join(pe.Problems, "; ")
		}
		return false, errs.New(errs.Invalid, "invalid_keyset", "the key set is not a usable JWKS document: %s", msg)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	created, err := c.h.reg.PutKeySet(name, jwks)
	if err != nil {
		return false, err
	}
	c.h.keys.set(name, set)
	c.h.log.Info("key set stored", "keyset", name, "created", created)
	c.publish(context.Background(), registry.RecordKeySet, name)
	c.h.event("keyset.changed", map[string]any{"keyset": name, "created": created})
	return created, nil
}

// loadKeySets parses every stored key set into the verifier. A set that no
// longer parses (a stricter hostd) is logged and left out: tokens checked
// against it are refused as "unknown key set" until it is replaced.
func (h *Host) loadKeySets() error {
	all, err := h.reg.KeySets()
	if err != nil {
		return err
	}
	for name, doc := range all {
		set, err := keyset.Parse(doc)
		if err != nil {
			h.log.Error("stored key set is not usable", "keyset", name, "error", err)
			continue
		}
		h.keys.set(name, set)
	}
	return nil
}

// KeySets implements admin.Control.
func (c *control) KeySets(context.Context) (map[string][]byte, error) { return c.h.reg.KeySets() }

// KeySet implements admin.Control.
func (c *control) KeySet(_ context.Context, name string) ([]byte, error) { return c.h.reg.KeySet(name) }

// DeleteKeySet implements admin.Control; the registry refuses while a route
// binding's config names the key set.
func (c *control) DeleteKeySet(_ context.Context, name string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.h.reg.DeleteKeySet(name); err != nil {
		return err
	}
	c.h.keys.set(name, nil)
	c.h.log.Info("key set deleted", "keyset", name)
	c.publish(context.Background(), registry.RecordKeySet, name)
	c.h.event("keyset.deleted", map[string]any{"keyset": name})
	return nil
}
