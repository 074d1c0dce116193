package keyset

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// verifyByParser is Verify as it was before the single pass: every check
// on its own decoding, and golang-jwt's Parser for signature and claims.
func verifyByParser(s *Set, token string, p Policy) ([]byte, error) {
	alg, kid, hasKID, err := parseHeader(token)
	if err != nil {
		return nil, err
	}
	if err := uniqueClaims(token); err != nil {
		return nil, err
	}
	k, err := s.pick(kid, hasKID)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(k.algs, alg) {
		return nil, refuse(ErrAlgorithm, "algorithm does not match the key")
	}
	if len(p.Algorithms) > 0 && !slices.Contains(p.Algorithms, alg) {
		return nil, refuse(ErrAlgorithm, "algorithm not allowed")
	}
	r := rules{issuer: p.Issuer, audience: p.Audience, leeway: p.Leeway, requireExp: !p.AllowMissingExp, now: fuzzNow}
	if _, err := check(token, k.material, alg, r); err != nil {
		return nil, err
	}
	raw, err := base64.RawURLEncoding.DecodeString(strings.SplitN(token, ".", 3)[1])
	if err != nil {
		return nil, refuse(ErrMalformed, "")
	}
	return compactObject(raw)
}

// sameVerdict fails unless Verify and verifyByParser agree on token: the
// same claims, or refusals of the same kind and text.
func sameVerdict(t *testing.T, s *Set, token string, p Policy) {
	t.Helper()
	got, gerr := s.Verify(token, p, fuzzNow)
	want, werr := verifyByParser(s, token, p)
	if (gerr == nil) != (werr == nil) || !bytes.Equal(got, want) {
		t.Fatalf("token %q: Verify %q, %v; the parser %q, %v", token, got, gerr, want, werr)
	}
	if gerr != nil && (gerr.Error() != werr.Error() || gerr.(*reason).kind != werr.(*reason).kind) {
		t.Fatalf("token %q: Verify refuses %v, the parser %v", token, gerr, werr)
	}
}

// FuzzSinglePassMatchesParser signs arbitrary headers and claims and
// checks that the single-pass Verify answers exactly as golang-jwt's
// Parser did, under a policy that checks everything and under none; and
// that the scanning duplicate check answers as the decoder's.
func FuzzSinglePassMatchesParser(f *testing.F) {
	s := fuzzSet(f)
	for _, c := range [][2]string{
		{`{"alg":"HS256","kid":"hs"}`, `{"sub":"ann","exp":1900000000}`},
		{`{"alg":"EdDSA","kid":"ed"}`, `{"iss":"x","aud":["a","b"],"exp":1900000000,"nbf":1}`},
		{`{"alg":"HS256","kid":"hs"}`, `{"exp":1700000000}`},
		{`{"alg":"HS256","kid":"hs"}`, `{"exp":"soon"}`},
		{`{"alg":"HS256","kid":"hs"}`, `null`},
		{`{"alg":"HS256","kid":"hs"}`, `{"exp":1900000000} x`},
		{`{"alg":"HS256","kid":"hs"}`, `{"exp":1900000000,"nbf":1900000000}`},
		{`{"alg":"HS256","kid":"hs"}`, `{"exp":1900000000,"a":{"\u00e9":1,"é":2}}`},
		{`{"alg":"HS256","kid":"hs"}`, "{\"exp\":1900000000,\"a\":{\"\xff\":1,\"\xfe\":2}}"},
		{`{"alg":"HS256","kid":"hs"}`, `{"exp":1900000000,"l":[{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8,"i":9,"j":10,"k":11,"l":12,"m":13,"n":14,"o":15,"p":16,"q":17,"a":0}]}`},
		{`{"alg":"HS384","kid":"hs"}`, `{"exp":1900000000}`},
		{`{"alg":"HS256"}`, `{"exp":1900000000}`},
	} {
		f.Add(c[0], c[1], strings.Contains(c[0], "EdDSA"), 0)
	}
	f.Add(`{"alg":"HS256","kid":"hs"}`, `{"sub":"ann","exp":1900000000}`, false, 1) // a bad signature
	strict := Policy{Issuer: "x", Audience: []string{"b"}, Leeway: 5e9}
	f.Fuzz(func(t *testing.T, header, claims string, ed bool, mangle int) {
		in := base64.RawURLEncoding.EncodeToString([]byte(header)) + "." + base64.RawURLEncoding.EncodeToString([]byte(claims))
		var token string
		if ed {
			token = in + "." + base64.RawURLEncoding.EncodeToString(ed25519.Sign(fuzzEd, []byte(in)))
		} else {
			token = rawHS256(fuzzHS, header, claims)
		}
		if mangle > 0 {
			b := []byte(token)
			b[mangle%len(b)] ^= 1
			token = string(b)
		}
		sameVerdict(t, s, token, Policy{})
		sameVerdict(t, s, token, strict)
		for _, doc := range []string{header, claims} {
			if json.Valid([]byte(doc)) && uniqueScan([]byte(doc)) != uniqueTokens([]byte(doc)) {
				t.Fatalf("uniqueScan(%q) = %v, the decoder says %v", doc, !uniqueTokens([]byte(doc)), uniqueTokens([]byte(doc)))
			}
		}
	})
}
