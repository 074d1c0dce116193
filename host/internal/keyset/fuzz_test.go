package keyset

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

// The fuzzers use fixed keys, so that the committed seed corpora
// (testdata/fuzz) hold tokens that verify.
var (
	fuzzHS  = []byte("0123456789abcdef0123456789abcdef")
	fuzzEd  = ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, ed25519.SeedSize))
	fuzzNow = time.Unix(1_800_000_000, 0)
)

func fuzzSet(tb testing.TB) *Set {
	tb.Helper()
	doc := `{"keys":[{"kty":"oct","kid":"hs","k":"` + b64.EncodeToString(fuzzHS) + `"},` +
		`{"kty":"OKP","crv":"Ed25519","kid":"ed","x":"` + b64.EncodeToString(fuzzEd.Public().(ed25519.PublicKey)) + `"}]}`
	s, err := Parse([]byte(doc))
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// checkVerdict asserts what holds of every verification: a refusal is one
// of the documented reasons with fixed text; an acceptance has a header
// and claims without duplicate members, and its claims are the token's
// payload as compact JSON, an object that decodes again to the same value.
func checkVerdict(t *testing.T, token string, claims []byte, err error) {
	t.Helper()
	if err != nil {
		var r *reason
		if !errors.As(err, &r) {
			t.Fatalf("refusal %v (%T) is not a reason", err, err)
		}
		if claims != nil {
			t.Fatalf("claims %q with a refusal", claims)
		}
		return
	}
	parts := strings.Split(token, ".")
	head, _ := b64.DecodeString(parts[0])
	payload, _ := b64.DecodeString(parts[1])
	if !uniqueMembers(head) || !uniqueMembers(payload) {
		t.Fatalf("a token with a duplicate member verified: %s . %s", head, payload)
	}
	var want bytes.Buffer
	if err := json.Compact(&want, payload); err != nil || !bytes.Equal(want.Bytes(), claims) {
		t.Fatalf("claims %q are not the compact payload %q (%v)", claims, want.Bytes(), err)
	}
	var v1, v2 map[string]any
	if err := json.Unmarshal(claims, &v1); err != nil {
		t.Fatalf("claims are not an object: %v", err)
	}
	again, err := json.Marshal(v1)
	if err != nil || json.Unmarshal(again, &v2) != nil || !jsonEqual(v1, v2) {
		t.Fatalf("claims do not re-encode to the same value: %q → %q", claims, again)
	}
}

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

// FuzzVerifyToken verifies arbitrary compact tokens against a set of an
// HMAC and an Ed25519 key: no panic, and checkVerdict's properties.
func FuzzVerifyToken(f *testing.F) {
	s := fuzzSet(f)
	f.Add(rawHS256(fuzzHS, `{"alg":"HS256","kid":"hs"}`, `{"sub":"ann","exp":1900000000}`))
	f.Add(rawHS256(fuzzHS, `{"alg":"HS256","kid":"hs"}`, `{"sub":"ann","sub":"root","exp":1900000000}`))
	f.Add("e30.e30.")
	f.Add("..")
	f.Fuzz(func(t *testing.T, token string) {
		claims, err := s.Verify(token, Policy{}, fuzzNow)
		checkVerdict(t, token, claims, err)
		// The same token under an allow-list without its algorithm never
		// verifies.
		if err == nil {
			if _, err := s.Verify(token, Policy{Algorithms: []string{"PS512"}}, fuzzNow); err == nil {
				t.Fatal("verified under an allow-list without its algorithm")
			}
		}
	})
}

// FuzzVerifySigned signs an arbitrary header and claims with the set's
// keys, so the fuzzer explores the JSON the parsers see behind a valid
// signature: no panic, checkVerdict's properties, and a header or claims
// with a duplicate member never verifies.
func FuzzVerifySigned(f *testing.F) {
	s := fuzzSet(f)
	f.Add(`{"alg":"HS256","kid":"hs"}`, `{"sub":"ann","exp":1900000000}`, false)
	f.Add(`{"alg":"EdDSA","kid":"ed"}`, `{"iss":"x","aud":["a","b"],"exp":1900000000,"nbf":1}`, true)
	f.Add(`{"alg":"HS256","kid":"hs","kid":"ed"}`, `{"exp":1900000000}`, false)
	f.Add(`{"alg":"HS256","kid":"hs"}`, `{"exp":1900000000,"a":{"b":1,"b":2}}`, false)
	f.Add(`{"alg":"HS256","kid":"hs"}`, `{"exp":1900000000,"s\u0075b":1,"sub":2}`, false)
	f.Add(`{"alg":"HS256","kid":"hs","crit":["x"]}`, `{"exp":1900000000}`, false)
	f.Fuzz(func(t *testing.T, header, claims string, ed bool) {
		var token string
		if ed {
			in := b64.EncodeToString([]byte(header)) + "." + b64.EncodeToString([]byte(claims))
			token = in + "." + b64.EncodeToString(ed25519.Sign(fuzzEd, []byte(in)))
		} else {
			token = rawHS256(fuzzHS, header, claims)
		}
		out, err := s.Verify(token, Policy{}, fuzzNow)
		checkVerdict(t, token, out, err)
		if err == nil && (!uniqueMembers([]byte(header)) || !uniqueMembers([]byte(claims))) {
			t.Fatal("duplicate members verified")
		}
		if !ed {
			_, herr := VerifyHS256(token, fuzzHS, VerifyOptions{Now: fuzzNow})
			if herr == nil && !uniqueMembers([]byte(claims)) {
				t.Fatal("VerifyHS256 accepted duplicate claims")
			}
		}
	})
}

// FuzzParse parses arbitrary JWKS documents: no panic; a refusal is a
// *ParseError listing at least one problem; an accepted set is not empty,
// its kids are unique, and parsing is deterministic.
func FuzzParse(f *testing.F) {
	f.Add([]byte(`{"keys":[{"kty":"oct","kid":"hs","k":"` + b64.EncodeToString(fuzzHS) + `"}]}`))
	f.Add([]byte(`{"keys":[{"kty":"OKP","crv":"Ed25519","kid":"ed","x":"` + b64.EncodeToString(fuzzEd.Public().(ed25519.PublicKey)) + `","use":"sig","key_ops":["verify"]}]}`))
	f.Add([]byte(`{"keys":[{"kty":"oct","kid":"a","kid":"b","k":"` + b64.EncodeToString(fuzzHS) + `"}]}`))
	f.Add([]byte(`{"keys":[],"keys":[]}`))
	f.Add([]byte(`{"keys":[{"kty":"RSA","kid":"r","n":"AQAB","e":"AQAB"}]}`))
	f.Add([]byte(`{"keys":[{"kty":"EC","kid":"e","crv":"P-256","x":"AA","y":"AA"}]}`))
	f.Fuzz(func(t *testing.T, doc []byte) {
		s, err := Parse(doc)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) || len(pe.Problems) == 0 {
				t.Fatalf("refusal %v is not a ParseError with problems", err)
			}
			return
		}
		if len(s.keys) == 0 || len(s.byKID) != len(s.keys) {
			t.Fatalf("%d keys, %d kids", len(s.keys), len(s.byKID))
		}
		s2, err := Parse(doc)
		if err != nil || len(s2.keys) != len(s.keys) {
			t.Fatalf("second parse: %v", err)
		}
		for i := range s.keys {
			if s.keys[i].kid != s2.keys[i].kid || !slicesEqual(s.keys[i].algs, s2.keys[i].algs) {
				t.Fatalf("key %d differs between parses", i)
			}
		}
		// The set verifies without panicking.
		_, _ = s.Verify(rawHS256(fuzzHS, `{"alg":"HS256","kid":"hs"}`, `{"exp":1900000000}`), Policy{}, fuzzNow)
	})
}

func slicesEqual(a, b []string) bool { return strings.Join(a, "\x00") == strings.Join(b, "\x00") }
