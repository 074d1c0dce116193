package keyset

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"testing"
)

// with returns a copy of m with the given members set (nil deletes).
func with(m jwkMap, kv ...any) jwkMap {
	out := jwkMap{}
	for k, v := range m {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(out, kv[i].(string))
			continue
		}
		out[kv[i].(string)] = kv[i+1]
	}
	return out
}

// problemsOf parses doc and returns the problems, failing if it parses.
func problemsOf(t *testing.T, d []byte) []string {
	t.Helper()
	s, err := Parse(d)
	var pe *ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("Parse = %v, %v; want a *ParseError", s, err)
	}
	if s != nil {
		t.Fatal("Parse returned a set with an error")
	}
	return pe.Problems
}

func TestParseRejectsKeys(t *testing.T) {
	k := testKeys(t)
	r := rsaJWK("r", &k.rsa.PublicKey)
	ec := ecJWK(t, "e", &k.ec256.PublicKey)
	ed := edJWK("o", k.ed.Public().(ed25519.PublicKey))
	hs := octJWK("h", k.hs32)
	enc := func(b []byte) string { return b64.EncodeToString(b) }
	short := new(big.Int).Lsh(big.NewInt(1), 1023) // 1024-bit modulus
	short.SetBit(short, 0, 1)
	tests := []struct {
		name, want string
		key        jwkMap
	}{
		{"private RSA", "keys[0].d: private key members (d, p, q, dp, dq, qi)", with(r, "d", enc(k.rsa.D.Bytes()),
			"p", enc(k.rsa.Primes[0].Bytes()), "q", enc(k.rsa.Primes[1].Bytes()), "dp", "AQ", "dq", "AQ", "qi", "AQ")},
		{"private EC", "keys[0].d: private key members (d)", with(ec, "d", enc(k.ec256.D.Bytes()))},
		{"private OKP", "keys[0].d: private key members (d)", with(ed, "d", enc(k.ed.Seed()))},
		{"short RSA", "keys[0].n: the modulus has 1024 bits", with(r, "n", enc(short.Bytes()))},
		{"even exponent", "keys[0].e: the exponent must be odd", with(r, "e", "AQAA")},
		{"point off curve", "keys[0]: the point (x, y) is not on curve P-256", with(ec, "y", enc(bytes.Repeat([]byte{7}, 32)))},
		{"short coordinate", "keys[0]: x and y must be 32 bytes each", with(ec, "x", "AQ")},
		{"unknown curve", `keys[0].crv: "P-192" is not supported`, with(ec, "crv", "P-192")},
		{"X25519", `keys[0].crv: "X25519" is for key agreement`, with(ed, "crv", "X25519")},
		{"short Ed25519", "keys[0].x: an Ed25519 public key has 32 bytes", with(ed, "x", "AQID")},
		{"unknown kty", `keys[0].kty: "DSA" is not supported`, with(hs, "kty", "DSA")},
		{"missing kty", "keys[0].kty: required", with(hs, "kty", nil)},
		{"missing kid", "keys[0].kid: required", with(hs, "kid", nil)},
		{"empty kid", "keys[0].kid: must not be empty", with(hs, "kid", "")},
		{"kid not a string", "keys[0].kid: must be a string", with(hs, "kid", 5)},
		{"use enc", `keys[0].use: is "enc"`, with(r, "use", "enc")},
		{"key_ops without verify", `keys[0].key_ops: must include "verify"`, with(r, "key_ops", []string{"encrypt"})},
		{"short secret", "keys[0].k: the secret has 16 bytes", with(hs, "k", enc(make([]byte, 16)))},
		{"padded base64", "keys[0].k: is not base64url", with(hs, "k", enc(k.hs32)+"=")},
		{"std base64", "keys[0].k: is not base64url", with(hs, "k", strings.Repeat("+/", 22))},
		{"missing n", "keys[0].n: required", with(r, "n", nil)},
		{"alg of another family", `keys[0].alg: "HS256" does not fit this key`, with(r, "alg", "HS256")},
		{"alg too strong for secret", `keys[0].alg: "HS512" does not fit this key`, with(hs, "alg", "HS512")},
		{"alg none", `keys[0].alg: "none" is not a supported`, with(hs, "alg", "none")},
		{"alg of another curve", `keys[0].alg: "ES384" does not fit this key`, with(ec, "alg", "ES384")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ps := problemsOf(t, doc(t, tc.key))
			if len(ps) != 1 || !strings.HasPrefix(ps[0], tc.want) {
				t.Fatalf("problems = %q; want one starting with %q", ps, tc.want)
			}
		})
	}
}

func TestParseRejectsDocuments(t *testing.T) {
	k := testKeys(t)
	hs := octJWK("h", k.hs32)
	many := make([]jwkMap, MaxKeys+1)
	for i := range many {
		many[i] = octJWK(fmt.Sprint("k", i), k.hs32)
	}
	tests := []struct {
		name, want string
		doc        []byte
	}{
		{"not JSON", "document: must be a JSON object", []byte("keys")},
		{"array", "document: must be a JSON object", []byte("[]")},
		{"trailing data", "document: unexpected data", []byte(`{"keys":[]} {}`)},
		{"no keys", "keys: required", []byte(`{"kty":"oct"}`)},
		{"keys not an array", "keys: must be an array", []byte(`{"keys":{}}`)},
		{"keys null", "keys: must be an array", []byte(`{"keys":null}`)},
		{"empty", "keys: the set holds no keys", doc(t)},
		{"too many", "keys: 101 keys is over the limit of 100", doc(t, many...)},
		{"too large", "document: 65537 bytes is over the limit", append([]byte(`{"keys":[]}`), bytes.Repeat([]byte(" "), MaxDocumentBytes+1-11)...)},
		{"key not an object", "keys[0]: must be a JSON object", []byte(`{"keys":["x"]}`)},
		{"duplicate kid", `keys[1].kid: "h" is used by an earlier key`, doc(t, hs, hs)},
		{"duplicate member", `keys[0]: member "k" appears more than once`, []byte(`{"keys":[{"kty":"oct","kid":"a","k":"` +
			b64.EncodeToString(k.hs32) + `","k":"` + b64.EncodeToString(k.hs64) + `"}]}`)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ps := problemsOf(t, tc.doc)
			if len(ps) != 1 || !strings.HasPrefix(ps[0], tc.want) {
				t.Fatalf("problems = %q; want one starting with %q", ps, tc.want)
			}
		})
	}
}

func TestParseReportsEveryProblem(t *testing.T) {
	k := testKeys(t)
	d := doc(t,
		octJWK("ok", k.hs32),
		with(rsaJWK("r", &k.rsa.PublicKey), "e", "AA", "use", "enc"),
		with(edJWK("", k.ed.Public().(ed25519.PublicKey)), "crv", "Ed448"),
		octJWK("ok", k.hs64),
	)
	ps := problemsOf(t, d)
	want := []string{"keys[1].use:", "keys[1].e:", "keys[2].kid:", "keys[2].crv:", "keys[3].kid:"}
	if len(ps) != len(want) {
		t.Fatalf("problems = %q; want %d", ps, len(want))
	}
	for i, w := range want {
		if !strings.HasPrefix(ps[i], w) {
			t.Errorf("problem %d = %q; want prefix %q", i, ps[i], w)
		}
	}
	_, err := Parse(d)
	if msg := err.Error(); !strings.Contains(msg, "keys[1].e") || !strings.Contains(msg, "keys[3].kid") {
		t.Fatalf("Error() = %q lacks the problems", msg)
	}
}

func TestParseAcceptsExtras(t *testing.T) {
	k := testKeys(t)
	key := with(rsaJWK("r", &k.rsa.PublicKey), "use", "sig", "alg", "PS256", "key_ops", []string{"verify"},
		"x5t", "abc", "ext", true)
	s, err := Parse(append(doc(t, key)[:1], []byte(`"note":"ignored",`+string(doc(t, key)[1:]))...))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if got := s.Algorithms("r"); len(got) != 1 || got[0] != "PS256" {
		t.Fatalf("Algorithms = %v", got)
	}
	if s.Len() != 1 || s.KIDs()[0] != "r" || s.Algorithms("x") != nil {
		t.Fatalf("Len/KIDs = %d/%v", s.Len(), s.KIDs())
	}
}

func TestPublic(t *testing.T) {
	k := testKeys(t)
	s := fullSet(t)
	pub := s.Public()
	for _, secret := range [][]byte{k.hs32, k.hs64} {
		if bytes.Contains(pub, []byte(b64.EncodeToString(secret))) {
			t.Fatalf("Public shows an HMAC secret: %s", pub)
		}
	}
	var shown struct {
		Keys []map[string]json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(pub, &shown); err != nil || len(shown.Keys) != 7 {
		t.Fatalf("Public = %s, %v", pub, err)
	}
	for _, m := range shown.Keys {
		for _, private := range []string{"k", "d", "p", "q", "dp", "dq", "qi"} {
			if _, ok := m[private]; ok {
				t.Fatalf("Public has member %q: %s", private, pub)
			}
		}
	}
	if got := string(shown.Keys[5]["kty"]) + string(shown.Keys[5]["kid"]); got != `"oct""hs32"` {
		t.Fatalf("oct key shown as %v", shown.Keys[5])
	}
	if len(shown.Keys[5]) != 2 {
		t.Fatalf("oct key shows more than kid and kty: %s", pub)
	}
	pub[0] = 'x'
	if s.Public()[0] != '{' {
		t.Fatal("Public returned shared memory")
	}
}

func TestPublicReparses(t *testing.T) {
	k := testKeys(t)
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	d := doc(t, with(rsaJWK("a", &other.PublicKey), "alg", "RS256", "use", "sig"),
		ecJWK(t, "b", &k.ec384.PublicKey), edJWK("c", k.ed.Public().(ed25519.PublicKey)))
	s, err := Parse(d)
	if err != nil {
		t.Fatal(err)
	}
	again, err := Parse(s.Public())
	if err != nil {
		t.Fatalf("Parse(Public()): %v", err)
	}
	if !bytes.Equal(again.Public(), s.Public()) {
		t.Fatalf("public views differ:\n%s\n%s", s.Public(), again.Public())
	}
	if !strings.Contains(string(s.Public()), `"alg":"RS256"`) || !strings.Contains(string(s.Public()), `"use":"sig"`) {
		t.Fatalf("alg/use lost: %s", s.Public())
	}
}
