package keyset

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// Set is a parsed, validated JWKS. It is immutable, so one Set may be
// cached and used by many goroutines at once.
type Set struct {
	keys   []*key
	byKID  map[string]*key
	public []byte
}

// newSet finishes the keys' public views and renders Public once.
func newSet(keys []*key, byKID map[string]*key) (*Set, error) {
	views := make([]publicJWK, len(keys))
	for i, k := range keys {
		k.pub.Kty, k.pub.Kid, k.pub.Alg = k.kty, k.kid, k.alg
		if k.kty != ktyOct {
			k.pub.Use = k.use
		}
		views[i] = k.pub
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(struct {
		Keys []publicJWK `json:"keys"`
	}{views}); err != nil {
		return nil, fmt.Errorf("keyset: rendering the public view: %w", err)
	}
	return &Set{keys: keys, byKID: byKID, public: bytes.TrimSpace(buf.Bytes())}, nil
}

// Public returns the set as a JWKS JSON object ({"keys": [...]}) that is
// safe to show: RSA, EC and OKP keys with their public members only, and
// HMAC keys reduced to kid, kty and alg — the secret "k" never appears.
// The caller may modify the returned slice.
func (s *Set) Public() []byte {
	return bytes.Clone(s.public)
}

// Len returns the number of keys in the set.
func (s *Set) Len() int { return len(s.keys) }

// KIDs returns the key IDs in document order.
func (s *Set) KIDs() []string {
	out := make([]string, len(s.keys))
	for i, k := range s.keys {
		out[i] = k.kid
	}
	return out
}

// Algorithms returns the algorithms the key with the given kid verifies,
// or nil when there is no such key.
func (s *Set) Algorithms(kid string) []string {
	k, ok := s.byKID[kid]
	if !ok {
		return nil
	}
	return append([]string(nil), k.algs...)
}
