package host_test

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hostd/hostd/host/internal/keyset"
	"github.com/hostd/hostd/internal/testwasm"
	"github.com/hostd/hostd/plugins"
)

var demoSecret = []byte("0123456789abcdef0123456789abcdef-demo")

func demoJWKS() string {
	k := base64.RawURLEncoding.EncodeToString(demoSecret)
	return `{"keys":[{"kty":"oct","kid":"demo","alg":"HS256","k":"` + k + `"}]}`
}

func token(t *testing.T, claims map[string]any) string {
	t.Helper()
	if _, ok := claims["exp"]; !ok {
		claims["exp"] = time.Now().Add(time.Hour).Unix()
	}
	// No kid: the demo key set has a single key, which verifies it.
	tok, err := keyset.SignHS256(demoSecret, claims)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestJWTAuthBuiltin(t *testing.T) {
	th := startHost(t, nil)
	expectStatus(t, th.adminDo("PUT", "/v1/keysets/demo", []byte(demoJWKS())), 201)
	th.upload("echo", testwasm.Echo)
	cfg := `{"keyset":"demo","issuer":"me","audience":"api","required_claims":{"scope":{"contains":"read"}},"forward_claims":{"sub":"X-Test"}}`
	th.route("api", `{"path":"/api/{name}","filters":[{"plugin":"jwt-auth","config":`+cfg+`,"keysets":["demo"]}],"handler":{"plugin":"echo"}}`)

	good := token(t, map[string]any{"iss": "me", "aud": "api", "sub": "ann", "scope": "read write"})
	r := th.get("/api/x", "Authorization", "Bearer "+good, "X-Test", "forged")
	expectStatus(t, r, 200)
	if !strings.Contains(string(r.body), "x-test=ann") {
		t.Errorf("claim not forwarded (or forged header kept): %s", r.body)
	}
	cases := []struct {
		name, auth string
		status     int
		www        string
	}{
		{"no token", "", 401, "Bearer"},
		{"basic", "Basic YTpi", 401, "Bearer"},
		{"garbage", "Bearer not.a.jwt", 401, `error="invalid_token"`},
		{"expired", "Bearer " + token(t, map[string]any{"iss": "me", "aud": "api", "scope": "read", "exp": time.Now().Add(-time.Hour).Unix()}), 401, `error="invalid_token"`},
		{"wrong issuer", "Bearer " + token(t, map[string]any{"iss": "you", "aud": "api", "scope": "read"}), 401, `error="invalid_token"`},
		{"wrong audience", "Bearer " + token(t, map[string]any{"iss": "me", "aud": "web", "scope": "read"}), 401, `error="invalid_token"`},
		{"alg none", "Bearer " + unsigned(map[string]any{"iss": "me", "aud": "api", "scope": "read", "exp": time.Now().Add(time.Hour).Unix()}), 401, `error="invalid_token"`},
		{"insufficient scope", "Bearer " + token(t, map[string]any{"iss": "me", "aud": "api", "scope": "write"}), 403, `error="insufficient_scope"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var hdr []string
			if tc.auth != "" {
				hdr = []string{"Authorization", tc.auth}
			}
			r := th.get("/api/x", hdr...)
			expectStatus(t, r, tc.status)
			if w := r.header.Get("WWW-Authenticate"); !strings.HasPrefix(w, "Bearer") || !strings.Contains(w, tc.www) {
				t.Errorf("WWW-Authenticate %q, want %q", w, tc.www)
			}
		})
	}
	// The key set is in use: it cannot be deleted; its secret is never shown.
	expectStatus(t, th.adminDo("DELETE", "/v1/keysets/demo", nil), 409)
	if r := th.adminDo("GET", "/v1/keysets/demo", nil); strings.Contains(string(r.body), `"k"`) {
		t.Errorf("secret returned: %s", r.body)
	}
	// A route naming a key set that does not exist is refused.
	r = th.adminDo("PUT", "/v1/routes/nokeys", []byte(`{"path":"/nokeys","filters":[{"plugin":"jwt-auth","config":{"keyset":"ghost"},"keysets":["ghost"]}],"handler":{"plugin":"echo"}}`))
	expectStatus(t, r, 422)
	if c := r.errorCode(t); c != "unknown_keyset" {
		t.Errorf("code %q", c)
	}
	// A binding whose config names the key set without a grant for it
	// cannot verify with it: 503 keyset_unavailable, whatever the token.
	th.route("ungranted", `{"path":"/ungranted","filters":[{"plugin":"jwt-auth","config":`+cfg+`}],"handler":{"plugin":"echo"}}`)
	r = th.get("/ungranted", "Authorization", "Bearer "+good)
	expectStatus(t, r, 503)
	if c := r.errorCode(t); c != "keyset_unavailable" {
		t.Errorf("ungranted key set: code %q", c)
	}
}

func unsigned(claims map[string]any) string {
	enc := base64.RawURLEncoding
	var parts []string
	for k, v := range claims {
		parts = append(parts, fmt.Sprintf("%q:%v", k, jsonValue(v)))
	}
	return enc.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`)) + "." +
		enc.EncodeToString([]byte("{"+strings.Join(parts, ",")+"}")) + "."
}

func jsonValue(v any) string {
	if s, ok := v.(string); ok {
		return fmt.Sprintf("%q", s)
	}
	return fmt.Sprint(v)
}

func TestCircuitBreakerBuiltin(t *testing.T) {
	var failing atomic.Bool
	var hits atomic.Int64
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if failing.Load() {
			w.WriteHeader(500)
			return
		}
		_, _ = w.Write([]byte("ok"))
	}))
	defer api.Close()
	th := startHost(t, nil)
	cfg := `{"name":"api","consecutive_failures":2,"failure_ratio":0,"open_for":"300ms","half_open_requests":1}`
	th.route("api", `{"path":"/api","filters":[{"plugin":"circuit-breaker","config":`+cfg+`}],"upstream":{"targets":["`+api.URL+`"]}}`)

	expectStatus(t, th.get("/api"), 200)
	failing.Store(true)
	expectStatus(t, th.get("/api"), 500)
	expectStatus(t, th.get("/api"), 500) // second consecutive failure opens it
	before := hits.Load()
	r := th.get("/api")
	expectStatus(t, r, 503)
	if r.header.Get("Retry-After") == "" || hits.Load() != before {
		t.Fatalf("open breaker: Retry-After %q, upstream hit %d times", r.header.Get("Retry-After"), hits.Load()-before)
	}
	var list struct {
		Breakers []struct{ Name, State string }
	}
	th.adminDo("GET", "/v1/breakers", nil).json(t, &list)
	if len(list.Breakers) != 1 || list.Breakers[0].Name != "api" || list.Breakers[0].State != "open" {
		t.Fatalf("breakers %+v", list)
	}
	m := th.do("GET", th.admin+"/metrics", th.viewer, nil)
	if !strings.Contains(string(m.body), `hostd_breaker_state{name="api"} 1`) {
		t.Error("metrics lack the open breaker")
	}
	failing.Store(false)
	time.Sleep(350 * time.Millisecond) // past open_for: the next call is the probe
	expectStatus(t, th.get("/api"), 200)
	expectStatus(t, th.get("/api"), 200)
	th.adminDo("GET", "/v1/breakers", nil).json(t, &list)
	if list.Breakers[0].State != "closed" {
		t.Fatalf("after a good probe: %+v", list)
	}
}

// TestUploadUnderABuiltinNeedsTheFlag: an upload under a built-in's name
// would replace the protection of every route using it; without
// ?replace_builtin=true it is refused with 409 builtin_plugin and nothing
// changes, with it the upload is stored.
func TestUploadUnderABuiltinNeedsTheFlag(t *testing.T) {
	th := startHost(t, nil)
	before := th.adminDo("GET", "/v1/plugins/jwt-auth", nil)
	expectStatus(t, before, 200)
	for _, name := range []string{"jwt-auth", "rate-limit", "circuit-breaker"} {
		for _, q := range []string{"", "?replace_builtin=false", "?activate=false"} {
			r := th.adminDo("PUT", "/v1/plugins/"+name+q, testwasm.Hello)
			expectStatus(t, r, 409)
			if c := r.errorCode(t); c != "builtin_plugin" {
				t.Fatalf("%s%s: code %q", name, q, c)
			}
		}
	}
	if after := th.adminDo("GET", "/v1/plugins/jwt-auth", nil); string(after.body) != string(before.body) {
		t.Fatalf("a refused upload changed the plugin:\n%s\n%s", before.body, after.body)
	}
	r := th.adminDo("PUT", "/v1/plugins/jwt-auth?replace_builtin=yes", testwasm.Hello)
	expectStatus(t, r, 400)
	if c := r.errorCode(t); c != "invalid_query" {
		t.Fatalf("code %q", c)
	}
	// hostd's own built-in bytes are no replacement: accepted as they are.
	for _, b := range plugins.All() {
		expectStatus(t, th.adminDo("PUT", "/v1/plugins/"+b.Name, b.Wasm), 200)
	}
	expectStatus(t, th.adminDo("PUT", "/v1/plugins/jwt-auth?replace_builtin=true", testwasm.Hello), 201)
	// Other names are unaffected.
	expectStatus(t, th.adminDo("PUT", "/v1/plugins/jwt-auth2", testwasm.Hello), 201)
}
