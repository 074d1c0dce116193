package keyset

import (
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"testing"
)

// rawHS256 signs header and claims given as raw JSON, so that they can
// hold what no encoder writes (a member twice).
func rawHS256(key []byte, header, claims string) string {
	s := b64.EncodeToString([]byte(header)) + "." + b64.EncodeToString([]byte(claims))
	m := hmac.New(sha256.New, key)
	m.Write([]byte(s))
	return s + "." + b64.EncodeToString(m.Sum(nil))
}

// TestDuplicateMembersNeverVerify: a correctly signed token whose header
// or claims name a member twice (at any depth, escaped or not) is
// malformed; the same token without the repetition verifies.
func TestDuplicateMembersNeverVerify(t *testing.T) {
	k := testKeys(t)
	s := fullSet(t)
	const hdr = `{"alg":"HS256","kid":"hs32"}`
	const exp = `"exp":1999999999`
	good := rawHS256(k.hs32, hdr, `{"sub":"ann",`+exp+`}`)
	if _, err := s.Verify(good, Policy{}, testNow); err != nil {
		t.Fatalf("the token without duplicates: %v", err)
	}
	tests := []struct{ name, header, claims string }{
		{"claims, last wins in Go", hdr, `{"sub":"ann","sub":"admin",` + exp + `}`},
		{"claims, escaped name", hdr, `{"sub":"ann","s\u0075b":"admin",` + exp + `}`},
		{"claims, exp twice", hdr, `{"sub":"ann",` + exp + `,"exp":1}`},
		{"claims, nested", hdr, `{"sub":"ann","roles":{"admin":false,"admin":true},` + exp + `}`},
		{"claims, in an array", hdr, `{"sub":"ann","x":[{"a":1},{"b":1,"b":2}],` + exp + `}`},
		{"header, kid twice", `{"alg":"HS256","kid":"hs32","kid":"hs64"}`, `{"sub":"ann",` + exp + `}`},
		{"header, alg twice", `{"alg":"HS256","alg":"HS256","kid":"hs32"}`, `{"sub":"ann",` + exp + `}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tok := rawHS256(k.hs32, tc.header, tc.claims)
			if _, err := s.Verify(tok, Policy{}, testNow); !errors.Is(err, ErrMalformed) {
				t.Fatalf("Verify: %v, want ErrMalformed", err)
			}
			if _, err := VerifyHS256(tok, k.hs32, VerifyOptions{Now: testNow}); !errors.Is(err, ErrMalformed) {
				t.Fatalf("VerifyHS256: %v, want ErrMalformed", err)
			}
		})
	}
}

func TestUniqueMembers(t *testing.T) {
	for doc, want := range map[string]bool{
		`{}`: true, `{"a":1,"b":{"a":1}}`: true, `[{"a":1},{"a":2}]`: true, `{"a":[1,{"a":2}],"b":"a"}`: true,
		`{"a":1,"a":1}`: false, `{"a":{"b":1,"b":2}}`: false, `{"a":1}{"a":1}`: true, `{"a":`: false,
		`{"\u0061":1,"a":2}`: false, `{"a":[],"a":[]}`: false, `{"x":{},"y":{},"x":0}`: false,
	} {
		if got := uniqueMembers([]byte(doc)); got != want {
			t.Errorf("uniqueMembers(%s) = %v, want %v", doc, got, want)
		}
	}
}
