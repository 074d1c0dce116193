package keyset

import (
	"testing"

	"github.com/golang-jwt/jwt/v5"
)

// BenchmarkVerify is one full verification (the host's cache-miss path)
// of a typical access token, per algorithm family.
//
//	go test ./host/internal/keyset -run '^$' -bench BenchmarkVerify -benchmem
func BenchmarkVerify(b *testing.B) {
	t := &testing.T{}
	k := testKeys(t)
	s := fullSet(t)
	for _, tc := range []struct {
		name   string
		method jwt.SigningMethod
		key    any
		kid    string
	}{
		{"HS256", jwt.SigningMethodHS256, k.hs32, "hs32"},
		{"RS256", jwt.SigningMethodRS256, k.rsa, "rsa"},
		{"ES256", jwt.SigningMethodES256, k.ec256, "ec256"},
		{"EdDSA", jwt.SigningMethodEdDSA, k.ed, "ed"},
	} {
		tok := sign(t, tc.method, tc.key, tc.kid, claims(func(c jwt.MapClaims) { c["scope"] = "read write" }))
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := s.Verify(tok, policy, testNow); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkUniqueMembers is the duplicate-member check of a claims
// segment.
func BenchmarkUniqueMembers(b *testing.B) {
	raw := []byte(`{"iss":"https://idp.example","aud":["api","web"],"sub":"user-1","iat":1945000000,"exp":1945003600,"scope":"read write","ctx":{"a":1,"b":[1,2,{"c":null}]}}`)
	b.ReportAllocs()
	for b.Loop() {
		if !uniqueMembers(raw) {
			b.Fatal("duplicate")
		}
	}
}
