package keyset

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func TestVerifyEveryAlgorithm(t *testing.T) {
	k := testKeys(t)
	s := fullSet(t)
	tests := []struct {
		method jwt.SigningMethod
		key    any
		kid    string
	}{
		{jwt.SigningMethodHS256, k.hs32, "hs32"},
		{jwt.SigningMethodHS384, k.hs64, "hs64"},
		{jwt.SigningMethodHS512, k.hs64, "hs64"},
		{jwt.SigningMethodRS256, k.rsa, "rsa"},
		{jwt.SigningMethodRS384, k.rsa, "rsa"},
		{jwt.SigningMethodRS512, k.rsa, "rsa"},
		{jwt.SigningMethodPS256, k.rsa, "rsa"},
		{jwt.SigningMethodPS384, k.rsa, "rsa"},
		{jwt.SigningMethodPS512, k.rsa, "rsa"},
		{jwt.SigningMethodES256, k.ec256, "ec256"},
		{jwt.SigningMethodES384, k.ec384, "ec384"},
		{jwt.SigningMethodES512, k.ec521, "ec521"},
		{jwt.SigningMethodEdDSA, k.ed, "ed"},
	}
	for _, tc := range tests {
		t.Run(tc.method.Alg(), func(t *testing.T) {
			tok := sign(t, tc.method, tc.key, tc.kid, claims(func(c jwt.MapClaims) { c["scope"] = "read write" }))
			got, err := s.Verify(tok, policy, testNow)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			var c map[string]any
			if err := json.Unmarshal(got, &c); err != nil {
				t.Fatalf("claims %s: %v", got, err)
			}
			if c["sub"] != "user-1" || c["scope"] != "read write" || c["exp"] != float64(testNow.Add(time.Hour).Unix()) {
				t.Fatalf("claims = %s", got)
			}
		})
	}
}

func TestVerifyAccepts(t *testing.T) {
	k := testKeys(t)
	s := fullSet(t)
	one, err := Parse(doc(t, ecJWK(t, "only", &k.ec256.PublicKey)))
	if err != nil {
		t.Fatal(err)
	}
	late := claims(func(c jwt.MapClaims) { c["exp"] = testNow.Add(-20 * time.Second).Unix() })
	early := claims(func(c jwt.MapClaims) { c["nbf"] = testNow.Add(20 * time.Second).Unix() })
	noExp := claims(func(c jwt.MapClaims) { delete(c, "exp") })
	tests := []struct {
		name string
		set  *Set
		tok  string
		p    Policy
	}{
		{"expired within leeway", s, sign(t, jwt.SigningMethodES256, k.ec256, "ec256", late), Policy{Leeway: time.Minute}},
		{"nbf within leeway", s, sign(t, jwt.SigningMethodES256, k.ec256, "ec256", early), Policy{Leeway: time.Minute}},
		{"no kid, one key", one, sign(t, jwt.SigningMethodES256, k.ec256, "", claims(nil)), policy},
		{"missing exp allowed", s, sign(t, jwt.SigningMethodEdDSA, k.ed, "ed", noExp), Policy{AllowMissingExp: true}},
		{"allow-list", s, sign(t, jwt.SigningMethodPS256, k.rsa, "rsa", claims(nil)), Policy{Algorithms: []string{"ES256", "PS256"}}},
		{"audience array", s, sign(t, jwt.SigningMethodEdDSA, k.ed, "ed", claims(func(c jwt.MapClaims) { c["aud"] = []string{"x", "api"} })), policy},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := tc.set.Verify(tc.tok, tc.p, testNow); err != nil {
				t.Fatalf("Verify: %v", err)
			}
		})
	}
}

// rsaPublicBytes returns the RSA public key as PKIX DER and as PEM: what an
// attacker would use as the HMAC secret in an algorithm-confusion attack.
func rsaPublicBytes(t *testing.T, k *keys) (der, pemBytes []byte) {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(&k.rsa.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	return der, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

func TestVerifyRejects(t *testing.T) {
	k := testKeys(t)
	s := fullSet(t)
	der, pemKey := rsaPublicBytes(t, k)
	onlyRSA, err := Parse(doc(t, rsaJWK("rsa", &k.rsa.PublicKey)))
	if err != nil {
		t.Fatal(err)
	}
	bound, err := Parse(doc(t, func() jwkMap { m := rsaJWK("rsa", &k.rsa.PublicKey); m["alg"] = "RS256"; return m }()))
	if err != nil {
		t.Fatal(err)
	}
	good := sign(t, jwt.SigningMethodES256, k.ec256, "ec256", claims(nil))
	parts := strings.Split(good, ".")
	sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
	sig[0] ^= 1
	tampered := parts[0] + "." + parts[1] + "." + base64.RawURLEncoding.EncodeToString(sig)
	swapped := parts[0] + "." + b64.EncodeToString([]byte(`{"sub":"admin","exp":9999999999}`)) + "." + parts[2]
	hdr := func(h string) string { return b64.EncodeToString([]byte(h)) + "." + parts[1] + "." + parts[2] }
	ed := func(edit func(jwt.MapClaims)) string {
		return sign(t, jwt.SigningMethodEdDSA, k.ed, "ed", claims(edit))
	}

	tests := []struct {
		name string
		set  *Set
		tok  string
		p    Policy
		want error
	}{
		{"alg none", s, sign(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, "hs32", claims(nil)), Policy{}, ErrAlgorithm},
		{"alg none no kid", onlyRSA, sign(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, "", claims(nil)), Policy{}, ErrAlgorithm},
		{"alg NONE", s, hdr(`{"alg":"NONE","kid":"hs32"}`), Policy{}, ErrAlgorithm},
		{"no alg", s, hdr(`{"kid":"hs32"}`), Policy{}, ErrAlgorithm},
		{"unknown alg", s, hdr(`{"alg":"HS1","kid":"hs32"}`), Policy{}, ErrAlgorithm},
		{"confusion PEM", s, sign(t, jwt.SigningMethodHS256, pemKey, "rsa", claims(nil)), Policy{}, ErrAlgorithm},
		{"confusion DER", s, sign(t, jwt.SigningMethodHS256, der, "rsa", claims(nil)), Policy{}, ErrAlgorithm},
		{"confusion no kid", onlyRSA, sign(t, jwt.SigningMethodHS256, pemKey, "", claims(nil)), Policy{}, ErrAlgorithm},
		{"confusion allow-listed", onlyRSA, sign(t, jwt.SigningMethodHS256, pemKey, "rsa", claims(nil)), Policy{Algorithms: []string{"HS256", "RS256"}}, ErrAlgorithm},
		{"ES384 on P-256 key", s, hdr(`{"alg":"ES384","kid":"ec256"}`), Policy{}, ErrAlgorithm},
		{"HS512 on 32-byte secret", s, sign(t, jwt.SigningMethodHS512, k.hs32, "hs32", claims(nil)), Policy{}, ErrAlgorithm},
		{"key bound to RS256", bound, sign(t, jwt.SigningMethodPS256, k.rsa, "rsa", claims(nil)), Policy{}, ErrAlgorithm},
		{"not in allow-list", s, sign(t, jwt.SigningMethodRS256, k.rsa, "rsa", claims(nil)), Policy{Algorithms: []string{"PS256"}}, ErrAlgorithm},
		{"expired", s, ed(func(c jwt.MapClaims) { c["exp"] = testNow.Add(-2 * time.Minute).Unix() }), Policy{Leeway: time.Minute}, ErrExpired},
		{"nbf in future", s, ed(func(c jwt.MapClaims) { c["nbf"] = testNow.Add(2 * time.Minute).Unix() }), Policy{Leeway: time.Minute}, ErrNotYetValid},
		{"wrong issuer", s, ed(func(c jwt.MapClaims) { c["iss"] = "https://evil" }), policy, ErrIssuer},
		{"no issuer", s, ed(func(c jwt.MapClaims) { delete(c, "iss") }), policy, ErrIssuer},
		{"wrong audience", s, ed(func(c jwt.MapClaims) { c["aud"] = []string{"web"} }), policy, ErrAudience},
		{"no audience", s, ed(func(c jwt.MapClaims) { delete(c, "aud") }), policy, ErrAudience},
		{"no exp", s, ed(func(c jwt.MapClaims) { delete(c, "exp") }), Policy{}, ErrMissingClaim},
		{"exp wrong type", s, ed(func(c jwt.MapClaims) { c["exp"] = "tomorrow" }), Policy{}, ErrMalformed},
		{"unknown kid", s, sign(t, jwt.SigningMethodES256, k.ec256, "nope", claims(nil)), Policy{}, ErrUnknownKID},
		{"no kid, several keys", s, sign(t, jwt.SigningMethodES256, k.ec256, "", claims(nil)), Policy{}, ErrUnknownKID},
		{"other HMAC secret", s, sign(t, jwt.SigningMethodHS256, k.otherHS, "hs32", claims(nil)), Policy{}, ErrSignature},
		{"key of another kid", s, sign(t, jwt.SigningMethodES384, k.ec384, "ec256", claims(nil)), Policy{}, ErrAlgorithm},
		{"tampered signature", s, tampered, Policy{}, ErrSignature},
		{"swapped claims", s, swapped, Policy{}, ErrSignature},
		{"empty", s, "", Policy{}, ErrMalformed},
		{"garbage", s, "not-a-jwt", Policy{}, ErrMalformed},
		{"two segments", s, parts[0] + "." + parts[1], Policy{}, ErrMalformed},
		{"four segments", s, good + ".x", Policy{}, ErrMalformed},
		{"header not JSON", s, hdr(`{"alg":`), Policy{}, ErrMalformed},
		{"kid not a string", s, hdr(`{"alg":"ES256","kid":7}`), Policy{}, ErrMalformed},
		{"crit header", s, hdr(`{"alg":"ES256","kid":"ec256","crit":["b64"],"b64":false}`), Policy{}, ErrMalformed},
		{"too long", s, strings.Repeat("a", MaxTokenBytes+1), Policy{}, ErrMalformed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.set.Verify(tc.tok, tc.p, testNow)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Verify = %s, %v; want %v", got, err, tc.want)
			}
			if got != nil {
				t.Fatalf("claims returned with a refusal: %s", got)
			}
			if msg := err.Error(); len(msg) > 80 || strings.ContainsAny(msg, "\"\\\r\n") || strings.Contains(msg, "nope") {
				t.Fatalf("reason %q is not a short fixed description", msg)
			}
		})
	}
}

func TestVerifyConcurrent(t *testing.T) {
	k := testKeys(t)
	s := fullSet(t)
	toks := []string{
		sign(t, jwt.SigningMethodRS256, k.rsa, "rsa", claims(nil)),
		sign(t, jwt.SigningMethodES256, k.ec256, "ec256", claims(nil)),
		sign(t, jwt.SigningMethodEdDSA, k.ed, "ed", claims(nil)),
		sign(t, jwt.SigningMethodHS256, k.hs32, "hs32", claims(nil)),
	}
	bad := sign(t, jwt.SigningMethodHS256, k.otherHS, "hs32", claims(nil))
	var wg sync.WaitGroup
	errc := make(chan error, 64)
	for g := range 16 {
		wg.Go(func() {
			for i := range 20 {
				if _, err := s.Verify(toks[(g+i)%len(toks)], policy, testNow); err != nil {
					errc <- err
				}
				if _, err := s.Verify(bad, policy, testNow); !errors.Is(err, ErrSignature) {
					errc <- errors.New("bad token not refused")
				}
			}
		})
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Fatal(err)
	}
}

func TestPolicyCheck(t *testing.T) {
	if err := (Policy{Algorithms: []string{"RS256", "EdDSA"}, Leeway: time.Second}).Check(); err != nil {
		t.Fatalf("good policy: %v", err)
	}
	for _, p := range []Policy{{Algorithms: []string{"none"}}, {Algorithms: []string{"rs256"}}, {Leeway: -time.Second}} {
		if err := p.Check(); err == nil {
			t.Errorf("Check(%+v) = nil", p)
		}
	}
}

func TestHS256RoundTrip(t *testing.T) {
	k := testKeys(t)
	tok, err := SignHS256(k.hs32, map[string]any{"iss": "hostd", "aud": []string{"hostd-admin"},
		"role": "admin", "iat": testNow.Unix(), "exp": testNow.Add(time.Minute).Unix()})
	if err != nil {
		t.Fatal(err)
	}
	opts := VerifyOptions{Issuer: "hostd", Audience: []string{"hostd-admin"}, Leeway: time.Second, CheckIssuedAt: true, Now: testNow}
	c, err := VerifyHS256(tok, k.hs32, opts)
	if err != nil || c["role"] != "admin" {
		t.Fatalf("VerifyHS256 = %v, %v", c, err)
	}
	if _, err := VerifyHS256(tok, k.otherHS, opts); !errors.Is(err, ErrSignature) {
		t.Fatalf("other key: %v", err)
	}
	opts.Now = testNow.Add(-time.Minute)
	if _, err := VerifyHS256(tok, k.hs32, opts); !errors.Is(err, ErrNotYetValid) {
		t.Fatalf("iat in the future: %v", err)
	}
	hs512 := sign(t, jwt.SigningMethodHS512, k.hs32, "", claims(nil))
	if _, err := VerifyHS256(hs512, k.hs32, VerifyOptions{Now: testNow}); !errors.Is(err, ErrAlgorithm) {
		t.Fatalf("HS512: %v", err)
	}
	if _, err := SignHS256(k.hs32[:31], nil); err == nil {
		t.Fatal("SignHS256 accepted a 31-byte key")
	}
}
