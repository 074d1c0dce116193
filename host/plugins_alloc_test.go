package host_test

import (
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hostd/hostd/internal/guestbuild"
	"github.com/hostd/hostd/internal/testwasm"
)

// probedPlugins are the plugins the allocation tests probe: the directory
// each is built from and the name of its build in a HOSTD_PROBE_DIST.
var probedPlugins = []struct{ dir, name string }{
	{"plugins/jwt-auth", "jwt-auth"}, {"plugins/rate-limit", "rate-limit"},
	{"plugins/circuit-breaker", "circuit-breaker"}, {"examples/apikey", "apikey"},
}

// TestBuiltinFiltersDoNotAllocateInTheGuest checks, inside the guest, that
// the built-in filters and examples/apikey allocate nothing on the request
// path once an instance is warm, so the guest's garbage collector (TinyGo's
// above all, on its small heap) has nothing to do per request. The plugins
// are built from source with the build tag hostd_allocprobe, which wraps
// their callbacks with plugins/internal/allocprobe: it reports the change
// of runtime.MemStats.Mallocs across the plugin's callback in a response
// header. The counts are the guest's, so the race detector does not change
// them.
func TestBuiltinFiltersDoNotAllocateInTheGuest(t *testing.T) {
	if testing.Short() {
		t.Skip("builds four plugins")
	}
	wasm := map[string][]byte{}
	for _, p := range probedPlugins {
		wasm[p.name] = guestbuild.BuildTags(t, p.dir, "hostd_allocprobe")
	}
	checkGuestAllocations(t, wasm)
}

// TestPrebuiltFiltersDoNotAllocateInTheGuest is the same check for probe
// builds made elsewhere, e.g. with TinyGo, whose escape analysis differs
// from Go's: HOSTD_PROBE_DIST names a directory with jwt-auth.wasm,
// rate-limit.wasm, circuit-breaker.wasm and apikey.wasm built with
// -tags=hostd_allocprobe. Skipped without it.
func TestPrebuiltFiltersDoNotAllocateInTheGuest(t *testing.T) {
	dir := os.Getenv("HOSTD_PROBE_DIST")
	if dir == "" {
		t.Skip("set HOSTD_PROBE_DIST to a directory of probe builds")
	}
	wasm := map[string][]byte{}
	for _, p := range probedPlugins {
		b, err := os.ReadFile(filepath.Join(dir, p.name+".wasm"))
		if err != nil {
			t.Fatal(err)
		}
		wasm[p.name] = b
	}
	checkGuestAllocations(t, wasm)
}

// checkGuestAllocations serves requests through each probe build in wasm
// (by plugin name) and requires 0 guest allocations once warm.
func checkGuestAllocations(t *testing.T, wasm map[string][]byte) {
	th := startHost(t, nil)
	expectStatus(t, th.adminDo("PUT", "/v1/keysets/demo", []byte(demoJWKS())), 201)
	th.upload("hello", testwasm.Hello)
	for name, b := range wasm {
		th.upload("probe-"+name, b)
	}
	const apiKey = "k-0123456789abcdef"
	th.route("apikeys", `{"path":"/apikeys/{key}","methods":["PUT"],"handler":{"plugin":"probe-apikey","config":{"mode":"admin"}}}`)
	h := th.h.Handler()
	put := httptest.NewRequest("PUT", "/apikeys/"+apiKey, strings.NewReader(`{"client":"acme <corp>","scopes":["read","write"]}`))
	pw := httptest.NewRecorder()
	if h.ServeHTTP(pw, put); pw.Code != 201 {
		t.Fatalf("provisioning the API key: %d %s", pw.Code, pw.Body)
	}
	tok := token(t, map[string]any{"iss": "me", "aud": "api", "sub": "ann", "scope": "read write",
		"tenant": "acme", "exp": time.Now().Add(time.Hour).Unix()})
	cases := []struct {
		name, filter string
		header       []string // request headers, name and value pairs
		response     bool     // the filter has a response callback
	}{
		{"jwt-auth", `{"plugin":"probe-jwt-auth","keysets":["demo"],"config":{"keyset":"demo","issuer":"me",
			"forward_claims":{"sub":"X-User"}}}`, []string{"Authorization", "Bearer " + tok}, false},
		{"jwt-auth-claims", `{"plugin":"probe-jwt-auth","keysets":["demo"],"config":{"keyset":"demo","issuer":"me",
			"audience":"api","required_claims":{"scope":{"contains":["read","write"]},"tenant":"acme"},
			"forward_claims":{"sub":"X-User","scope":"X-Scope","aud":"X-Aud"}}}`, []string{"Authorization", "Bearer " + tok}, false},
		{"jwt-auth-cookie", `{"plugin":"probe-jwt-auth","keysets":["demo"],"config":{"keyset":"demo","issuer":"me",
			"token_from":{"cookie":"session"},"forward_claims":{"sub":"X-User"}}}`, []string{"Cookie", "a=1; session=" + tok}, false},
		{"rate-limit", `{"plugin":"probe-rate-limit","config":{"rate":1000000000,"per":"1s","key":"header:X-User"}}`,
			[]string{"X-User", "ann"}, false},
		{"rate-limit-tiers", `{"plugin":"probe-rate-limit","config":{"rate":1000000000,"key":["ip","header:X-Tenant"],
			"tiers":{"by":"header:X-Tier","limits":{"vip":{"rate":2000000000}}}}}`, []string{"X-Tenant", "acme", "X-Tier", "vip"}, false},
		{"circuit-breaker", `{"plugin":"probe-circuit-breaker","config":{"name":"probe","consecutive_failures":5,"failure_ratio":0}}`,
			nil, true},
		{"apikey", `{"plugin":"probe-apikey","config":{"required_scope":"write"}}`, []string{"X-Api-Key", apiKey}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			th.route(tc.name, `{"path":"/`+tc.name+`","filters":[`+tc.filter+`],"handler":{"plugin":"hello"}}`)
			req := httptest.NewRequest("GET", "/"+tc.name, nil)
			for i := 0; i+1 < len(tc.header); i += 2 {
				req.Header.Set(tc.header[i], tc.header[i+1])
			}
			var w *httptest.ResponseRecorder
			serve := func() {
				w = httptest.NewRecorder()
				h.ServeHTTP(w, req)
				if w.Code != 200 {
					t.Fatalf("%d %s", w.Code, w.Body)
				}
			}
			for range 20 { // buffers grow to their steady size
				serve()
			}
			for i := range 20 {
				serve()
				check := func(header string) {
					if got := w.Header().Values(header); len(got) != 1 || got[0] != "0" {
						t.Fatalf("request %d: %s %q, want one \"0\" (allocations in the guest)", 21+i, header, got)
					}
				}
				check("X-Guest-Mallocs")
				if tc.response {
					check("X-Guest-Mallocs-Response")
				}
			}
		})
	}
}
