package admin_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/hostd/hostd/host/internal/admin"
)

// signed returns a token with the given claims and method, signed with key
// (ignored for "none").
func signed(t *testing.T, method jwt.SigningMethod, key any, claims jwt.MapClaims) string {
	t.Helper()
	tok, err := jwt.NewWithClaims(method, claims).SignedString(key)
	if err != nil {
		t.Fatalf("signing: %v", err)
	}
	return tok
}

// goodClaims are valid admin claims at testNow; edit changes a copy.
func goodClaims(edit func(jwt.MapClaims)) jwt.MapClaims {
	c := jwt.MapClaims{
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
		{"bad signature", "Bearer " + signed(t, jwt.SigningMethodHS256, otherKey, goodClaims(nil))},
		{"expired beyond leeway", "Bearer " + expired},
		{"HS512", "Bearer " + signed(t, jwt.SigningMethodHS512, testKey, goodClaims(nil))},
		{"HS384", "Bearer " + signed(t, jwt.SigningMethodHS384, testKey, goodClaims(nil))},
		{"alg none", "Bearer " + signed(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, goodClaims(nil))},
		{"wrong issuer", "Bearer " + signed(t, jwt.SigningMethodHS256, testKey, goodClaims(func(c jwt.MapClaims) { c["iss"] = "evil" }))},
		{"no issuer", "Bearer " + signed(t, jwt.SigningMethodHS256, testKey, goodClaims(func(c jwt.MapClaims) { delete(c, "iss") }))},
		{"wrong audience", "Bearer " + signed(t, jwt.SigningMethodHS256, testKey, goodClaims(func(c jwt.MapClaims) { c["aud"] = "other" }))},
		{"no expiry", "Bearer " + signed(t, jwt.SigningMethodHS256, testKey, goodClaims(func(c jwt.MapClaims) { delete(c, "exp") }))},
		{"issued in the future", "Bearer " + signed(t, jwt.SigningMethodHS256, testKey, goodClaims(func(c jwt.MapClaims) { c["iat"] = testNow.Add(time.Hour).Unix() }))},
		{"unknown role", "Bearer " + signed(t, jwt.SigningMethodHS256, testKey, goodClaims(func(c jwt.MapClaims) { c["role"] = "root" }))},
		{"no role", "Bearer " + signed(t, jwt.SigningMethodHS256, testKey, goodClaims(func(c jwt.MapClaims) { delete(c, "role") }))},
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
	arr := signed(t, jwt.SigningMethodHS256, testKey, goodClaims(func(c jwt.MapClaims) { c["aud"] = []string{"x", "hostd-admin"} }))
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
	c := jwt.MapClaims{}
	_, err = jwt.NewParser(jwt.WithValidMethods([]string{"HS256"}), jwt.WithTimeFunc(func() time.Time { return testNow })).
		ParseWithClaims(tok, c, func(*jwt.Token) (any, error) { return testKey, nil })
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	aud, _ := c.GetAudience()
	if c["iss"] != "hostd" || len(aud) != 1 || aud[0] != "hostd-admin" || c["sub"] != "hostd-cli" || c["role"] != "viewer" {
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
