package host

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"
	"unsafe"

	"github.com/hostd/hostd/abi"
	"github.com/hostd/hostd/host/internal/bytecache"
	"github.com/hostd/hostd/host/internal/engine"
	"github.com/hostd/hostd/host/internal/keyset"
)

// keySets holds the parsed key sets that plugins verify tokens against, by
// name, the verification policies plugins pass (parsed once, by their
// bytes, and cached per binding) and the tokens that verified (see
// jwt_tokens.go). It implements engine.JWTVerifier; the keys never leave
// it.
type keySets struct {
	mu       sync.RWMutex
	sets     map[string]loadedSet
	gen      uint64 // of the last set loaded; under mu
	policies *bytecache.Cache[keyset.Policy]
	tokens   *bytecache.Cache[verifiedToken]
}

// loadedSet is a key set and the generation it was loaded as: every set
// stored by keySets.set gets a new one, so a verified token cached under
// an old generation is never found again once its set is replaced or
// removed.
type loadedSet struct {
	set *keyset.Set
	gen uint64
}

// Bounds of the parsed-policy cache: a binding keeps at most
// policyCachePerBinding bytes of policies (a real one uses one policy of
// a few hundred bytes), all bindings together policyCacheTotal. Beyond
// them the least recently used policies are parsed again when next used.
const (
	policyCachePerBinding = 256 << 10
	policyCacheTotal      = 16 << 20
)

func newKeySets() *keySets {
	return &keySets{sets: map[string]loadedSet{},
		policies: bytecache.New[keyset.Policy](policyCachePerBinding, policyCacheTotal),
		tokens:   bytecache.New[verifiedToken](tokenCachePerBinding, tokenCacheTotal)}
}

// policyBytes returns the accounted bytes of the policy cache.
func (k *keySets) policyBytes() int64 { return k.policies.Bytes() }

// set replaces (or with s == nil removes) a key set. Tokens verified with
// the set it replaces are dropped from the token cache, and verified
// again when next used.
func (k *keySets) set(name string, s *keyset.Set) {
	k.mu.Lock()
	old, had := k.sets[name]
	if s == nil {
		delete(k.sets, name)
	} else {
		k.gen++
		k.sets[name] = loadedSet{set: s, gen: k.gen}
	}
	k.mu.Unlock()
	if had {
		k.forget(old.gen)
	}
}

// names returns the names of the loaded key sets.
func (k *keySets) names() []string {
	k.mu.RLock()
	defer k.mu.RUnlock()
	out := make([]string, 0, len(k.sets))
	for name := range k.sets {
		out = append(out, name)
	}
	return out
}

// has reports whether a key set of that name is loaded.
func (k *keySets) has(name string) bool {
	k.mu.RLock()
	defer k.mu.RUnlock()
	_, ok := k.sets[name]
	return ok
}

// VerifyJWT implements engine.JWTVerifier. A token that verified before
// for the same binding, key set generation and policy bytes, and whose
// window still contains now, is answered from the token cache with the
// claims that verification returned (the caller must not modify them).
func (k *keySets) VerifyJWT(owner engine.Owner, name, token, policy []byte, now time.Time) ([]byte, abi.Status) {
	k.mu.RLock()
	ls, ok := k.sets[string(name)]
	k.mu.RUnlock()
	if !ok {
		return []byte("unknown key set"), abi.StatusNotFound
	}
	var buf [512]byte
	key := tokenKey(buf[:0], ls.gen, policy, token)
	if v, ok := k.tokens.Get(owner.Binding, key); ok && v.window.Contains(now) {
		return v.claims, abi.StatusOK
	}
	p, err := k.policy(owner.Binding, policy)
	if err != nil {
		return []byte(err.Error()), abi.StatusInvalidArgument
	}
	claims, w, reason := ls.set.VerifyWindow(string(token), p, now)
	if reason != nil {
		return []byte(reason.Error()), abi.StatusDenied
	}
	k.remember(owner.Binding, key, claims, w)
	return claims, abi.StatusOK
}

// guestPolicy is the JSON a plugin passes to jwt_verify (see SPEC.md).
type guestPolicy struct {
	Issuer     string          `json:"issuer"`
	Audience   json.RawMessage `json:"audience"`
	Algorithms []string        `json:"algorithms"`
	LeewayMS   int64           `json:"leeway_ms"`
}

func (k *keySets) policy(binding string, b []byte) (keyset.Policy, error) {
	if p, ok := k.policies.Get(binding, b); ok {
		return p, nil
	}
	p, err := parsePolicy(b)
	if err != nil {
		return p, err
	}
	k.policies.Put(binding, b, p, policySize(p))
	return p, nil
}

// policySize is what a parsed policy holds in memory: the struct and every
// string it refers to (headers and bytes).
func policySize(p keyset.Policy) int64 {
	const strHdr = int64(unsafe.Sizeof(""))
	n := int64(unsafe.Sizeof(p)) + int64(len(p.Issuer))
	for _, l := range [][]string{p.Audience, p.Algorithms} {
		n += int64(cap(l)) * strHdr
		for _, s := range l {
			n += int64(len(s))
		}
	}
	return n
}

func parsePolicy(b []byte) (keyset.Policy, error) {
	var g guestPolicy
	if len(bytes.TrimSpace(b)) > 0 {
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&g); err != nil {
			return keyset.Policy{}, fmt.Errorf("policy: %w", err)
		}
	}
	p := keyset.Policy{Issuer: g.Issuer, Algorithms: g.Algorithms, Leeway: time.Duration(g.LeewayMS) * time.Millisecond}
	if g.LeewayMS < 0 {
		return p, errors.New("policy: leeway_ms must not be negative")
	}
	switch a := bytes.TrimSpace(g.Audience); {
	case len(a) == 0 || string(a) == "null":
	case a[0] == '"':
		var s string
		if err := json.Unmarshal(a, &s); err != nil {
			return p, fmt.Errorf("policy: audience: %w", err)
		}
		p.Audience = []string{s}
	default:
		if err := json.Unmarshal(a, &p.Audience); err != nil {
			return p, errors.New("policy: audience must be a string or a list of strings")
		}
	}
	return p, p.Check()
}
