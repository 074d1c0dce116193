package host_test

// Opt-in tests and benchmarks of TinyGo-built plugins: they run when
// HOSTD_TINYGO_DIST lists directories of TinyGo builds (see
// internal/guestbuild/tinygo.go; docs/perf/tinygo.md says how they were
// made) and skip otherwise, as in CI, which has no TinyGo.
//
//	HOSTD_TINYGO_DIST=/work/tinygo-dist:/work/tinygo-dist-leaking go test ./host -run TinyGo -bench TinyGo

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hostd/hostd/internal/guestbuild"
)

var builtinNames = []string{"jwt-auth", "rate-limit", "circuit-breaker"}

// tinyChain is the filter list of a chain over the TinyGo builds of the
// built-ins (prefix "tg-") or over the Go-built ones (prefix ""), with a
// rate limit of rate per hour and breaker as the breaker's name.
func tinyChain(prefix, breaker string, rate int) string {
	return `{"plugin":"` + prefix + `jwt-auth","keysets":["demo"],"config":{"keyset":"demo","issuer":"me","audience":"api",` +
		`"required_claims":{"scope":{"contains":"read"}},"forward_claims":{"sub":"X-User"}}},` +
		`{"plugin":"` + prefix + `rate-limit","config":{"rate":` + strconv.Itoa(rate) + `,"per":"1h","key":"header:X-User"}},` +
		`{"plugin":"` + prefix + `circuit-breaker","config":{"name":"` + breaker + `","consecutive_failures":2,"failure_ratio":0,"open_for":"1h"}}`
}

// setupTinyGo starts a host with the Go-built examples/hello as go-hello
// and d's builds uploaded with prefix "tg-" (see uploadTinyGo), and reports
// whether d has the three built-ins.
func setupTinyGo(tb testing.TB, d guestbuild.TinyGoDist) (*testHost, bool) {
	th := startHost(tb, nil)
	expectStatus(tb, th.adminDo("PUT", "/v1/keysets/demo", []byte(demoJWKS())), 201)
	th.upload("go-hello", guestbuild.Build(tb, "examples/hello"))
	th.route("go-hello", `{"path":"/go/hello/{name}","methods":["GET"],"handler":{"plugin":"go-hello"}}`)
	return th, uploadTinyGo(tb, th, d, "tg")
}

// uploadTinyGo uploads d's hello as P-hello, routed at /P/hello/{name},
// and, when d has them, its built-ins as P-jwt-auth, P-rate-limit and
// P-circuit-breaker; it reports whether it did.
func uploadTinyGo(tb testing.TB, th *testHost, d guestbuild.TinyGoDist, p string) bool {
	th.upload(p+"-hello", d.Read(tb, "hello"))
	th.route(p+"-hello", `{"path":"/`+p+`/hello/{name}","methods":["GET"],"handler":{"plugin":"`+p+`-hello"}}`)
	for _, name := range builtinNames {
		if !d.Has(name) {
			return false
		}
	}
	for _, name := range builtinNames {
		th.upload(p+"-"+name, d.Read(tb, name))
	}
	return true
}

// TestTinyGoBuildsAnswerLikeGo: each TinyGo build of examples/hello and of
// the built-ins gives the same answers (status, body, the headers clients
// act on) as the Go builds, on the same routes; a hello-asyncify.wasm in
// the directory (built with the default scheduler) is refused.
func TestTinyGoBuildsAnswerLikeGo(t *testing.T) {
	for _, d := range guestbuild.TinyGoDists(t) {
		t.Run(d.Name, func(t *testing.T) {
			th, chain := setupTinyGo(t, d)
			for _, name := range []string{"bob", "ann%20lee"} {
				same(t, th, "/go/hello/"+name, "/tg/hello/"+name)
			}
			if d.Has("hello-asyncify") { // built without -scheduler=none
				r := th.adminDo("PUT", "/v1/plugins/tg-async", d.Read(t, "hello-asyncify"))
				expectStatus(t, r, 400)
				if c := r.errorCode(t); c != "unsupported_scheduler" {
					t.Errorf("asyncify build: code %q, want unsupported_scheduler", c)
				}
			}
			if !chain {
				t.Skipf("%s has no builds of %v: chain not compared", d.Dir, builtinNames)
			}
			compareChain(t, th)
		})
	}
}

// compareChain runs the chain cases on a Go-built and a TinyGo-built
// chain: no token, a bad one, a good one, too little scope, the rate limit
// and the breaker opening on upstream failures.
func compareChain(t *testing.T, th *testHost) {
	var failing atomic.Bool
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if failing.Load() {
			w.WriteHeader(500)
			return
		}
		_, _ = w.Write([]byte("up " + r.Header.Get("X-User")))
	}))
	t.Cleanup(api.Close)
	for _, p := range []string{"go", "tg"} {
		prefix := map[string]string{"go": "", "tg": "tg-"}[p]
		th.route(p+"-chain", `{"path":"/`+p+`/chain/{name}","filters":[`+tinyChain(prefix, p+"-c", 1000)+`],"handler":{"plugin":"`+p+`-hello"}}`)
		th.route(p+"-limited", `{"path":"/`+p+`/limited","filters":[`+tinyChain(prefix, p+"-l", 2)+`],"handler":{"plugin":"`+p+`-hello"}}`)
		th.route(p+"-up", `{"path":"/`+p+`/up","filters":[`+tinyChain(prefix, p+"-u", 1000)+`],"upstream":{"targets":["`+api.URL+`"]}}`)
	}
	good := "Bearer " + token(t, map[string]any{"iss": "me", "aud": "api", "sub": "ann", "scope": "read"})
	cases := []struct {
		name, auth string
		status     int
	}{
		{"no token", "", 401},
		{"garbage", "Bearer not.a.jwt", 401},
		{"wrong audience", "Bearer " + token(t, map[string]any{"iss": "me", "aud": "web", "sub": "ann", "scope": "read"}), 401},
		{"insufficient scope", "Bearer " + token(t, map[string]any{"iss": "me", "aud": "api", "sub": "ann", "scope": "write"}), 403},
		{"good token", good, 200},
	}
	for _, tc := range cases {
		var hdr []string
		if tc.auth != "" {
			hdr = []string{"Authorization", tc.auth}
		}
		if r := same(t, th, "/go/chain/bob", "/tg/chain/bob", hdr...); r.status != tc.status {
			t.Errorf("%s: status %d, want %d", tc.name, r.status, tc.status)
		}
	}
	for i, want := range []int{200, 200, 429} {
		if r := same(t, th, "/go/limited", "/tg/limited", "Authorization", good); r.status != want {
			t.Errorf("rate limit, request %d: status %d, want %d", i+1, r.status, want)
		}
	}
	same(t, th, "/go/up", "/tg/up", "Authorization", good)
	failing.Store(true)
	for i, want := range []int{500, 500, 503} { // two failures open the breaker
		if r := same(t, th, "/go/up", "/tg/up", "Authorization", good); r.status != want {
			t.Errorf("breaker, failure %d: status %d, want %d", i+1, r.status, want)
		}
	}
}

// same GETs goPath and tgPath and fails t unless status, body and the
// headers that matter to a client are equal; it returns the Go answer.
func same(t *testing.T, th *testHost, goPath, tgPath string, hdr ...string) resp {
	t.Helper()
	g, y := th.get(goPath, hdr...), th.get(tgPath, hdr...)
	if g.status != y.status || string(g.body) != string(y.body) {
		t.Errorf("GET %s = %d %q, GET %s = %d %q", goPath, g.status, g.body, tgPath, y.status, y.body)
	}
	for _, h := range []string{"Content-Type", "Content-Length", "WWW-Authenticate", "Retry-After"} {
		gv, yv := g.header.Get(h), y.header.Get(h)
		if h == "Retry-After" && (gv == "") == (yv == "") {
			continue // seconds left may differ by one
		}
		if gv != yv {
			t.Errorf("%s: %s %q, %s %q", h, goPath, gv, tgPath, yv)
		}
	}
	return g
}

// BenchmarkTinyGo measures one request in process, like BenchmarkHello
// and BenchmarkFilters, through the Go-built and each TinyGo-built hello
// and chain (jwt-auth → rate-limit → circuit-breaker → hello), against
// native Go, in one run, on one host. cpu-ns/op is the process's CPU time
// per request, steadier than ns/op on a shared machine.
//
//	HOSTD_TINYGO_DIST=DIR[:DIR...] go test ./host -run '^$' -bench BenchmarkTinyGo -benchmem
func BenchmarkTinyGo(b *testing.B) {
	dists := guestbuild.TinyGoDists(b)
	tok := "Bearer " + token(&testing.T{}, map[string]any{"iss": "me", "aud": "api", "sub": "ann", "scope": "read",
		"exp": time.Now().Add(time.Hour).Unix()})
	run := func(name string, h http.Handler, path string) {
		b.Run(name, func(b *testing.B) {
			req := httptest.NewRequest("GET", path, nil)
			req.Header.Set("Authorization", tok)
			serveLoop(b, h, req, func(w *httptest.ResponseRecorder) bool {
				return strings.HasPrefix(w.Body.String(), "hello, ")
			})
		})
	}
	th := startHost(b, nil)
	expectStatus(b, th.adminDo("PUT", "/v1/keysets/demo", []byte(demoJWKS())), 201)
	th.upload("go-hello", guestbuild.Build(b, "examples/hello"))
	th.route("go-hello", `{"path":"/go/hello/{name}","methods":["GET"],"handler":{"plugin":"go-hello"}}`)
	th.route("go-chain", `{"path":"/go/chain/{name}","filters":[`+tinyChain("", "go", 1e9)+`],"handler":{"plugin":"go-hello"}}`)
	chains := make([]bool, len(dists))
	for i, d := range dists {
		p := "tg" + strconv.Itoa(i)
		if chains[i] = uploadTinyGo(b, th, d, p); chains[i] {
			th.route(p+"-chain", `{"path":"/`+p+`/chain/{name}","filters":[`+tinyChain(p+"-", p, 1e9)+`],"handler":{"plugin":"`+p+`-hello"}}`)
		}
	}
	h := th.h.Handler()
	run("hello/native", nativeHello(), "/hello/bob")
	run("hello/go", h, "/go/hello/bob")
	for i, d := range dists {
		run("hello/"+d.Name, h, "/tg"+strconv.Itoa(i)+"/hello/bob")
	}
	run("chain/go", h, "/go/chain/bob")
	for i, d := range dists {
		if chains[i] {
			run("chain/"+d.Name, h, "/tg"+strconv.Itoa(i)+"/chain/bob")
		}
	}
}
