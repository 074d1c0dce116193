package host

import (
	"encoding/base64"
	"testing"
	"time"

	"github.com/hostd/hostd/abi"
	"github.com/hostd/hostd/host/internal/engine"
	"github.com/hostd/hostd/host/internal/keyset"
)

// TestTokenKeyIsCollisionFree: moving bytes between the policy and the
// token, or changing the generation, changes the key.
func TestTokenKeyIsCollisionFree(t *testing.T) {
	type in struct {
		gen           uint64
		policy, token string
	}
	seen := map[string]in{}
	for _, c := range []in{
		{1, "ab", "c.d.e"}, {1, "abc", ".d.e"}, {1, "", "abc.d.e"}, {1, "abc.d.e", ""},
		{2, "ab", "c.d.e"}, {1 << 8, "ab", "c.d.e"}, {1, "\x02ab", "c.d.e"},
	} {
		k := string(tokenKey(nil, c.gen, []byte(c.policy), []byte(c.token)))
		if prev, dup := seen[k]; dup {
			t.Fatalf("%+v and %+v have the same key %q", prev, c, k)
		}
		seen[k] = c
	}
}

// TestTokenCacheForgetsARemovedKeySet: once a key set is removed its
// entries are dropped and its tokens refused as unknown; when a set of
// that name is loaded again — even the very same one — an entry stored
// under the old generation (a verification still running during the swap)
// is never answered from.
func TestTokenCacheForgetsARemovedKeySet(t *testing.T) {
	secret := base64.RawURLEncoding.EncodeToString([]byte("0123456789abcdef0123456789abcdef"))
	s, err := keyset.Parse([]byte(`{"keys":[{"kty":"oct","kid":"a","alg":"HS256","k":"` + secret + `"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := base64.RawURLEncoding.DecodeString(secret)
	tok, err := keyset.SignHS256(raw, map[string]any{"sub": "ann", "exp": time.Now().Add(time.Hour).Unix()})
	if err != nil {
		t.Fatal(err)
	}
	k := newKeySets()
	owner := engine.Owner{Plugin: "p", Binding: "b"}
	verify := func() ([]byte, abi.Status) {
		return k.VerifyJWT(owner, []byte("ks"), []byte(tok), nil, time.Now())
	}
	k.set("ks", s)
	if _, st := verify(); st != abi.StatusOK || k.tokens.Len() != 1 {
		t.Fatalf("status %v, %d cached", st, k.tokens.Len())
	}
	oldKey := tokenKey(nil, k.sets["ks"].gen, nil, []byte(tok))
	k.set("ks", nil)
	if _, st := verify(); st != abi.StatusNotFound || k.tokens.Len() != 0 {
		t.Fatalf("after removal: status %v, %d cached", st, k.tokens.Len())
	}
	k.set("ks", s)
	forged := verifiedToken{claims: []byte(`{"sub":"root"}`), window: keyset.Window{}}
	k.tokens.Put(owner.Binding, oldKey, forged, 0) // a straggler of the old generation
	claims, st := verify()
	if st != abi.StatusOK || string(claims) == string(forged.claims) {
		t.Fatalf("after reloading: status %v, claims %s (the old generation's entry answered)", st, claims)
	}
	if k.tokens.Len() != 2 {
		t.Fatalf("%d cached, want the straggler and a fresh entry", k.tokens.Len())
	}
}

// BenchmarkVerifyJWTCached is jwt_verify's host side for a token verified
// before: the key set lookup, the cache key and the cache hit.
//
//	go test ./host -run '^$' -bench BenchmarkVerifyJWTCached -benchmem
func BenchmarkVerifyJWTCached(b *testing.B) {
	secret := []byte("0123456789abcdef0123456789abcdef")
	s, err := keyset.Parse([]byte(`{"keys":[{"kty":"oct","kid":"a","alg":"HS256","k":"` + base64.RawURLEncoding.EncodeToString(secret) + `"}]}`))
	if err != nil {
		b.Fatal(err)
	}
	tok, err := keyset.SignHS256(secret, map[string]any{"iss": "me", "sub": "ann", "exp": time.Now().Add(time.Hour).Unix()})
	if err != nil {
		b.Fatal(err)
	}
	k := newKeySets()
	k.set("ks", s)
	owner := engine.Owner{Plugin: "p", Binding: "b"}
	name, token, policy := []byte("ks"), []byte(tok), []byte(`{"issuer":"me","leeway_ms":30000}`)
	if _, st := k.VerifyJWT(owner, name, token, policy, time.Now()); st != abi.StatusOK {
		b.Fatal(st)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, st := k.VerifyJWT(owner, name, token, policy, time.Now()); st != abi.StatusOK {
			b.Fatal(st)
		}
	}
}
