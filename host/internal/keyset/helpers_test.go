package keyset

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"math/big"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// testNow is the clock of every verification.
var testNow = time.Date(2031, 5, 6, 7, 8, 9, 0, time.UTC)

// keys are real keys generated once per test binary.
type keys struct {
	rsa          *rsa.PrivateKey
	ec256, ec384 *ecdsa.PrivateKey
	ec521        *ecdsa.PrivateKey
	ed           ed25519.PrivateKey
	hs32, hs64   []byte
	otherHS      []byte
}

var (
	fixtureOnce sync.Once
	fixture     keys
)

// testKeys returns the shared keys.
func testKeys(t *testing.T) *keys {
	t.Helper()
	fixtureOnce.Do(func() {
		var err error
		k := &fixture
		if k.rsa, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
		k.ec256 = mustEC(elliptic.P256())
		k.ec384 = mustEC(elliptic.P384())
		k.ec521 = mustEC(elliptic.P521())
		if _, k.ed, err = ed25519.GenerateKey(rand.Reader); err != nil {
			panic(err)
		}
		k.hs32, k.hs64, k.otherHS = randomBytes(32), randomBytes(64), randomBytes(32)
	})
	return &fixture
}

func mustEC(c elliptic.Curve) *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(c, rand.Reader)
	if err != nil {
		panic(err)
	}
	return k
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return b
}

// jwk members as a map, for building documents.
type jwkMap = map[string]any

func octJWK(kid string, secret []byte) jwkMap {
	return jwkMap{"kty": "oct", "kid": kid, "k": b64.EncodeToString(secret)}
}

func rsaJWK(kid string, pub *rsa.PublicKey) jwkMap {
	return jwkMap{"kty": "RSA", "kid": kid, "n": b64.EncodeToString(pub.N.Bytes()),
		"e": b64.EncodeToString(big.NewInt(int64(pub.E)).Bytes())}
}

func ecJWK(t *testing.T, kid string, pub *ecdsa.PublicKey) jwkMap {
	t.Helper()
	raw, err := pub.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	size := (len(raw) - 1) / 2
	return jwkMap{"kty": "EC", "kid": kid, "crv": pub.Curve.Params().Name,
		"x": b64.EncodeToString(raw[1 : 1+size]), "y": b64.EncodeToString(raw[1+size:])}
}

func edJWK(kid string, pub ed25519.PublicKey) jwkMap {
	return jwkMap{"kty": "OKP", "kid": kid, "crv": "Ed25519", "x": b64.EncodeToString(pub)}
}

// doc renders keys as a JWKS document.
func doc(t *testing.T, keys ...jwkMap) []byte {
	t.Helper()
	if keys == nil {
		keys = []jwkMap{}
	}
	b, err := json.Marshal(map[string]any{"keys": keys})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// fullSet is a set with one key of every kind.
func fullSet(t *testing.T) *Set {
	t.Helper()
	k := testKeys(t)
	s, err := Parse(doc(t,
		rsaJWK("rsa", &k.rsa.PublicKey),
		ecJWK(t, "ec256", &k.ec256.PublicKey),
		ecJWK(t, "ec384", &k.ec384.PublicKey),
		ecJWK(t, "ec521", &k.ec521.PublicKey),
		edJWK("ed", k.ed.Public().(ed25519.PublicKey)),
		octJWK("hs32", k.hs32),
		octJWK("hs64", k.hs64),
	))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return s
}

// claims are valid claims at testNow; edit changes a copy.
func claims(edit func(jwt.MapClaims)) jwt.MapClaims {
	c := jwt.MapClaims{
		"iss": "https://idp.example",
		"aud": "api",
		"sub": "user-1",
		"iat": testNow.Unix(),
		"exp": testNow.Add(time.Hour).Unix(),
	}
	if edit != nil {
		edit(c)
	}
	return c
}

// sign returns a token; kid "" sends no kid header.
func sign(t *testing.T, m jwt.SigningMethod, key any, kid string, c jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(m, c)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatalf("signing %s: %v", m.Alg(), err)
	}
	return s
}

// policy is the policy matching claims().
var policy = Policy{Issuer: "https://idp.example", Audience: []string{"other", "api"}}
