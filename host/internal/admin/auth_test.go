package admin_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/json"
	"hash"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hostd/hostd/host/internal/admin"
)

// claims is a JWT claims set.
type claims map[string]any

// The signing algorithms the tests forge tokens with, by hand with the
// standard library, so they do not trust the code under test.
const (
	algHS256 = "HS256"
	algHS384 = "HS384"
	algHS512 = "HS512"
	algNone  = "none"
)

// signed returns a compact JWT with the given claims, signed with key using
// alg (unsigned for "none").
func signed(t *testing.T, alg string, key []byte, c claims) string {
	t.Helper()
	h, _ := json.Marshal(map[string]string{"alg": alg, "typ": "JWT"})
	p, err := json.Marshal(c)
	if err != nil {
		t.Fatalf("signing: %v", err)
	}
	input := b64.EncodeToString(h) + "." + b64.EncodeToString(p)
	var fn func() hash.Hash
	switch alg {
	case algHS256:
		fn = sha256.New
	case algHS384:
		fn = sha512.New384
	case algHS512:
		fn = sha512.New
	default:
		return input + "."
	}
	m := hmac.New(fn, key)
	m.Write([]byte(input))
	return input + "." + b64.EncodeToString(m.Sum(nil))
}

// verifyHS256 checks a token's HS256 signature by hand and returns its claims.
func verifyHS256(t *testing.T, tok string, key []byte) claims {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("token has %d parts", len(parts))
	}
	var h map[string]string
	hb, _ := b64.DecodeString(parts[0])
	if err := json.Unmarshal(hb, &h); err != nil || h["alg"] != algHS256 {
		t.Fatalf("header %s: %v", hb, err)
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(parts[0] + "." + parts[1]))
	if sig, _ := b64.DecodeString(parts[2]); !hmac.Equal(sig, m.Sum(nil)) {
		t.Fatal("bad signature")
	}
	var c claims
	pb, _ := b64.DecodeString(parts[1])
	if err := json.Unmarshal(pb, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

// goodClaims are valid admin claims at testNow; edit changes a copy.
func goodClaims(edit func(claims)) claims {
	c := claims{
		"iss":  "hostd",
		"aud":  "hostd-admin",
		"sub":  "t",
		"role": "admin",
		"iat":  testNow.Unix(),
		"exp":  testNow.Add(time.Hour).Unix(),
	}
	if edit != nil {
		edit(c)
	}
	return c
}

func TestAuthRejects(t *testing.T) {
	e := newEnv(t, nil)
	otherKey := []byte(strings.Repeat("k", 32))
	expired, err := admin.MintToken(testKey, admin.RoleAdmin, "", time.Hour, testNow.Add(-time.Hour-time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		header string // full Authorization header; "" sends none
	}{
		{"no header", ""},
		{"basic scheme", "Basic dXNlcjpwYXNz"},
		{"bearer without token", "Bearer "},
		{"garbage", "Bearer not.a.jwt"},
		{"bad signature", "Bearer " + signed(t, algHS256, otherKey, goodClaims(nil))},
		{"expired beyond leeway", "Bearer " + expired},
		{"HS512", "Bearer " + signed(t, algHS512, testKey, goodClaims(nil))},
		{"HS384", "Bearer " + signed(t, algHS384, testKey, goodClaims(nil))},
		{"alg none", "Bearer " + signed(t, algNone, nil, goodClaims(nil))},
		{"wrong issuer", "Bearer " + signed(t, algHS256, testKey, goodClaims(func(c claims) { c["iss"] = "evil" }))},
		{"no issuer", "Bearer " + signed(t, algHS256, testKey, goodClaims(func(c claims) { delete(c, "iss") }))},
		{"wrong audience", "Bearer " + signed(t, algHS256, testKey, goodClaims(func(c claims) { c["aud"] = "other" }))},
		{"no expiry", "Bearer " + signed(t, algHS256, testKey, goodClaims(func(c claims) { delete(c, "exp") }))},
		{"issued in the future", "Bearer " + signed(t, algHS256, testKey, goodClaims(func(c claims) { c["iat"] = testNow.Add(time.Hour).Unix() }))},
		{"unknown role", "Bearer " + signed(t, algHS256, testKey, goodClaims(func(c claims) { c["role"] = "root" }))},
		{"no role", "Bearer " + signed(t, algHS256, testKey, goodClaims(func(c claims) { delete(c, "role") }))},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, target := range []string{"/v1/plugins", "/v1/routes/x"} {
				var hdr []string
				if tc.header != "" {
					hdr = []string{"Authorization", tc.header}
				}
				r := e.do("GET", target, "", nil, hdr...)
				got := r.wantErr(t, http.StatusUnauthorized, "unauthorized")
				if !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Bearer") {
					t.Fatalf("WWW-Authenticate = %q", r.header.Get("WWW-Authenticate"))
				}
				if !strings.Contains(got.Error.Message, "hostd token --data-dir") {
					t.Fatalf("message does not say how to get a token: %q", got.Error.Message)
				}
			}
		})
	}
}

func TestAuthAccepts(t *testing.T) {
	e := newEnv(t, nil)
	// Expired 10s ago: inside the 30s leeway.
	late, err := admin.MintToken(testKey, admin.RoleViewer, "", time.Hour, testNow.Add(-time.Hour-10*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	e.do("GET", "/v1/plugins", late, nil).want(t, http.StatusOK)
	e.do("GET", "/v1/plugins", "", nil, "Authorization", "bearer "+e.viewer).want(t, http.StatusOK)
	// A single audience may also be an array.
	arr := signed(t, algHS256, testKey, goodClaims(func(c claims) { c["aud"] = []string{"x", "hostd-admin"} }))
	e.do("GET", "/v1/plugins", arr, nil).want(t, http.StatusOK)
}

func TestRoles(t *testing.T) {
	e := newEnv(t, nil)
	withPlugins(t, e, "p")
	route := `{"path": "/a", "handler": {"plugin": "p"}}`

	e.do("GET", "/v1/plugins", e.viewer, nil).want(t, http.StatusOK)
	e.do("GET", "/v1/plugins/p", e.viewer, nil).want(t, http.StatusOK)
	e.do("GET", "/v1/routes", e.viewer, nil).want(t, http.StatusOK)
	e.do("PUT", "/v1/plugins/q", e.viewer, wasmModule("q")).wantErr(t, http.StatusForbidden, "forbidden")
	e.do("PUT", "/v1/plugins/p/active", e.viewer, `{"version": 1}`).wantErr(t, http.StatusForbidden, "forbidden")
	e.do("PUT", "/v1/routes/a", e.viewer, route).wantErr(t, http.StatusForbidden, "forbidden")
	e.do("DELETE", "/v1/plugins/p", e.viewer, nil).wantErr(t, http.StatusForbidden, "forbidden")
	e.do("DELETE", "/v1/routes/a", e.viewer, nil).wantErr(t, http.StatusForbidden, "forbidden")
	if ps, _ := e.ctl.Plugins(t.Context()); len(ps) != 1 {
		t.Fatalf("a forbidden call changed state: %+v", ps)
	}
	e.do("PUT", "/v1/routes/a", e.admin, route).want(t, http.StatusCreated)
}

func TestMintTokenRoundTrip(t *testing.T) {
	tok, err := admin.MintToken(testKey, admin.RoleViewer, "", 5*time.Minute, testNow)
	if err != nil {
		t.Fatal(err)
	}
	c := verifyHS256(t, tok, testKey)
	aud := c["aud"]
	if list, ok := aud.([]any); ok && len(list) == 1 {
		aud = list[0]
	}
	if c["iss"] != "hostd" || aud != "hostd-admin" || c["sub"] != "hostd-cli" || c["role"] != "viewer" {
		t.Fatalf("claims = %v", c)
	}
	if c["iat"].(float64) != float64(testNow.Unix()) || c["exp"].(float64) != float64(testNow.Add(5*time.Minute).Unix()) {
		t.Fatalf("iat/exp = %v/%v", c["iat"], c["exp"])
	}
	if jti, _ := c["jti"].(string); len(jti) < 16 {
		t.Fatalf("jti = %q", c["jti"])
	}
	again, _ := admin.MintToken(testKey, admin.RoleViewer, "", 5*time.Minute, testNow)
	if again == tok {
		t.Fatal("two tokens are identical; jti is not random")
	}
}

func TestMintTokenErrors(t *testing.T) {
	tests := []struct {
		name string
		key  []byte
		role admin.Role
		ttl  time.Duration
	}{
		{"short key", testKey[:31], admin.RoleAdmin, time.Hour},
		{"unknown role", testKey, admin.Role("root"), time.Hour},
		{"upper-case role", testKey, admin.Role("ADMIN"), time.Hour},
		{"zero ttl", testKey, admin.RoleAdmin, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := admin.MintToken(tc.key, tc.role, "", tc.ttl, testNow); err == nil {
				t.Fatal("no error")
			}
		})
	}
}

func TestParseRole(t *testing.T) {
	for in, want := range map[string]admin.Role{"admin": admin.RoleAdmin, "Viewer": admin.RoleViewer, " admin ": admin.RoleAdmin} {
		if got, err := admin.ParseRole(in); err != nil || got != want {
			t.Errorf("ParseRole(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "root", "admins"} {
		if _, err := admin.ParseRole(in); err == nil {
			t.Errorf("ParseRole(%q) did not fail", in)
		}
	}
}
