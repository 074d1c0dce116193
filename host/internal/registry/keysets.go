package registry

import (
	"bytes"
	"slices"
	"strings"

	bolt "go.etcd.io/bbolt"

	"github.com/hostd/hostd/host/internal/errs"
	"github.com/hostd/hostd/host/internal/model"
)

// PutKeySet stores jwks, a JWKS document, under name, replacing any key set
// of that name; created reports whether the name was new. The bytes are
// stored as given: validating them is the caller's job.
func (r *Registry) PutKeySet(name string, jwks []byte) (created bool, err error) {
	if name == "" {
		return false, emptyArg("keyset name")
	}
	// bbolt keeps a reference to the value until commit; don't let it be
	// the caller's slice.
	val := bytes.Clone(jwks)
	if val == nil {
		val = []byte{}
	}
	err = r.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketKeySets)
		created = b.Get([]byte(name)) == nil
		return b.Put([]byte(name), val)
	})
	if err != nil {
		return false, wrap("put keyset", err)
	}
	return created, nil
}

// KeySet returns a copy of the named key set's document, or an *errs.Error
// of kind NotFound with code "keyset_not_found".
func (r *Registry) KeySet(name string) ([]byte, error) {
	if name == "" {
		return nil, emptyArg("keyset name")
	}
	var out []byte
	err := r.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketKeySets).Get([]byte(name))
		if v == nil {
			return keySetNotFound(name)
		}
		out = bytes.Clone(v)
		return nil
	})
	return out, wrap("read keyset", err)
}

// KeySets returns every key set's document by name.
func (r *Registry) KeySets() (map[string][]byte, error) {
	out := map[string][]byte{}
	err := r.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketKeySets).ForEach(func(k, v []byte) error {
			out[string(k)] = bytes.Clone(v)
			return nil
		})
	})
	if err != nil {
		return nil, wrap("list keysets", err)
	}
	return out, nil
}

// DeleteKeySet removes the named key set. If a route binding uses it (its
// "keysets" grant lists name), nothing
// changes and the error is an *errs.Error of kind Conflict with code
// "keyset_in_use" naming the routes; an unknown name gives NotFound
// "keyset_not_found". The check and the delete are one transaction.
func (r *Registry) DeleteKeySet(name string) error {
	if name == "" {
		return emptyArg("keyset name")
	}
	err := r.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketKeySets)
		if b.Get([]byte(name)) == nil {
			return keySetNotFound(name)
		}
		routes, err := readRoutes(tx)
		if err != nil {
			return err
		}
		var users []string
		for _, rt := range routes {
			if routeUsesKeySet(rt, name) {
				users = append(users, rt.ID)
			}
		}
		if len(users) > 0 {
			return errs.New(errs.Conflict, "keyset_in_use",
				"key set %q is used by route(s) %s; change or delete them first", name, strings.Join(users, ", "))
		}
		return b.Delete([]byte(name))
	})
	return wrap("delete keyset", err)
}

// routeUsesKeySet reports whether a binding of rt names the key set.
func routeUsesKeySet(rt model.Route, name string) bool {
	for _, b := range rt.Bindings() {
		if slices.Contains(b.KeySets, name) {
			return true
		}
	}
	return false
}

func keySetNotFound(name string) error {
	return errs.New(errs.NotFound, "keyset_not_found", "key set %q does not exist", name)
}
