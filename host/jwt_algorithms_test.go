package host_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"testing"
	"time"

	"github.com/hostd/hostd/internal/testwasm"
)

var b64 = base64.RawURLEncoding

// sign builds a compact JWT by hand with the standard library, so this test
// does not trust the verifier's own signing code.
func sign(t *testing.T, alg, kid string, claims map[string]any, key any) string {
	t.Helper()
	h, _ := json.Marshal(map[string]string{"alg": alg, "typ": "JWT", "kid": kid})
	p, _ := json.Marshal(claims)
	input := b64.EncodeToString(h) + "." + b64.EncodeToString(p)
	sum := sha256.Sum256([]byte(input))
	var sig []byte
	var err error
	switch alg {
	case "HS256":
		m := hmac.New(sha256.New, key.([]byte))
		m.Write([]byte(input))
		sig = m.Sum(nil)
	case "RS256":
		sig, err = rsa.SignPKCS1v15(rand.Reader, key.(*rsa.PrivateKey), crypto.SHA256, sum[:])
	case "PS256":
		sig, err = rsa.SignPSS(rand.Reader, key.(*rsa.PrivateKey), crypto.SHA256, sum[:], nil)
	case "ES256":
		r, s, e := ecdsa.Sign(rand.Reader, key.(*ecdsa.PrivateKey), sum[:])
		err = e
		sig = append(r.FillBytes(make([]byte, 32)), s.FillBytes(make([]byte, 32))...)
	case "EdDSA":
		sig = ed25519.Sign(key.(ed25519.PrivateKey), []byte(input))
	}
	if err != nil {
		t.Fatal(err)
	}
	return input + "." + b64.EncodeToString(sig)
}

func bigB64(n *big.Int) string { return b64.EncodeToString(n.Bytes()) }

func TestJWTAuthAlgorithms(t *testing.T) {
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	edPub, edKey, _ := ed25519.GenerateKey(rand.Reader)
	secret := []byte("a-32-byte-or-longer-hmac-secret!!")
	jwks, _ := json.Marshal(map[string]any{"keys": []map[string]string{
		{"kty": "RSA", "kid": "rsa", "n": bigB64(rsaKey.N), "e": bigB64(big.NewInt(int64(rsaKey.E)))},
		{"kty": "EC", "kid": "ec", "crv": "P-256", "x": b64.EncodeToString(ecKey.X.FillBytes(make([]byte, 32))),
			"y": b64.EncodeToString(ecKey.Y.FillBytes(make([]byte, 32)))},
		{"kty": "OKP", "kid": "ed", "crv": "Ed25519", "x": b64.EncodeToString(edPub)},
		{"kty": "oct", "kid": "hmac", "k": b64.EncodeToString(secret)},
	}})
	th := startHost(t, nil)
	expectStatus(t, th.adminDo("PUT", "/v1/keysets/idp", jwks), 201)
	th.upload("hello", testwasm.Hello)
	th.route("r", `{"path":"/r","filters":[{"plugin":"jwt-auth","config":{"keyset":"idp","audience":"api"},"keysets":["idp"]}],"handler":{"plugin":"hello"}}`)

	claims := map[string]any{"aud": "api", "sub": "x", "exp": time.Now().Add(time.Hour).Unix()}
	for _, tc := range []struct {
		alg, kid string
		key      any
	}{{"RS256", "rsa", rsaKey}, {"PS256", "rsa", rsaKey}, {"ES256", "ec", ecKey}, {"EdDSA", "ed", edKey}, {"HS256", "hmac", secret}} {
		t.Run(tc.alg, func(t *testing.T) {
			expectStatus(t, th.get("/r", "Authorization", "Bearer "+sign(t, tc.alg, tc.kid, claims, tc.key)), 200)
			// The same token under another key's kid is refused.
			other := map[string]string{"rsa": "ec", "ec": "ed", "ed": "rsa", "hmac": "rsa"}[tc.kid]
			expectStatus(t, th.get("/r", "Authorization", "Bearer "+sign(t, tc.alg, other, claims, tc.key)), 401)
		})
	}
	// Algorithm confusion: HS256 "signed" with the RSA public key as secret.
	der, _ := x509.MarshalPKIXPublicKey(&rsaKey.PublicKey)
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	for _, k := range [][]byte{der, pemKey} {
		expectStatus(t, th.get("/r", "Authorization", "Bearer "+sign(t, "HS256", "rsa", claims, k)), 401)
	}
	// Expired and not-yet-valid, with a real RSA signature.
	expired := map[string]any{"aud": "api", "exp": time.Now().Add(-time.Hour).Unix()}
	expectStatus(t, th.get("/r", "Authorization", "Bearer "+sign(t, "RS256", "rsa", expired, rsaKey)), 401)
	early := map[string]any{"aud": "api", "exp": time.Now().Add(2 * time.Hour).Unix(), "nbf": time.Now().Add(time.Hour).Unix()}
	expectStatus(t, th.get("/r", "Authorization", "Bearer "+sign(t, "RS256", "rsa", early, rsaKey)), 401)
	// Unknown kid.
	expectStatus(t, th.get("/r", "Authorization", "Bearer "+sign(t, "RS256", "nope", claims, rsaKey)), 401)
}
