package host_test

import (
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hostd/hostd/internal/testwasm"
)

// BenchmarkFiltersDist is BenchmarkFilters for builds of the built-in
// filters made elsewhere (with TinyGo, or from another commit), so two
// builds are compared on the same host binary: HOSTD_FILTERS_DIST names a
// directory with jwt-auth.wasm, rate-limit.wasm and circuit-breaker.wasm,
// and optionally apikey.wasm (examples/apikey), uploaded as dist-NAME.
// Builds made with the build tag hostd_allocprobe also report the guest's
// allocations per request (guest-mallocs/op; see
// plugins/internal/allocprobe). cpu-ns/op is the process's CPU time per
// request, steadier than ns/op on a shared machine. Skipped without the
// variable.
//
//	HOSTD_FILTERS_DIST=DIR go test ./host -run '^$' -bench BenchmarkFiltersDist -benchmem
func BenchmarkFiltersDist(b *testing.B) {
	dir := os.Getenv("HOSTD_FILTERS_DIST")
	if dir == "" {
		b.Skip("set HOSTD_FILTERS_DIST to a directory of filter builds")
	}
	th := startHost(b, nil)
	expectStatus(b, th.adminDo("PUT", "/v1/keysets/demo", []byte(demoJWKS())), 201)
	th.upload("hello", testwasm.Hello)
	apikey := false
	for _, name := range []string{"jwt-auth", "rate-limit", "circuit-breaker", "apikey"} {
		wasm, err := os.ReadFile(filepath.Join(dir, name+".wasm"))
		if name == "apikey" && os.IsNotExist(err) {
			continue
		}
		if err != nil {
			b.Fatal(err)
		}
		th.upload("dist-"+name, wasm)
		apikey = apikey || name == "apikey"
	}
	jwt := `{"plugin":"dist-jwt-auth","config":{"keyset":"demo","issuer":"me","forward_claims":{"sub":"X-User"}},"keysets":["demo"]}`
	rl := `{"plugin":"dist-rate-limit","config":{"rate":1000000000,"per":"1s","key":"header:X-User"}}`
	cb := `{"plugin":"dist-circuit-breaker","config":{"name":"bench","consecutive_failures":5,"failure_ratio":0}}`
	routes := []struct{ name, filters string }{
		{"bare", ``}, {"jwt-auth", jwt}, {"rate-limit", rl}, {"circuit-breaker", cb}, {"chain", jwt + "," + rl + "," + cb},
	}
	const apiKey = "k-0123456789abcdef"
	if apikey {
		routes = append(routes, struct{ name, filters string }{"apikey", `{"plugin":"dist-apikey","config":{"required_scope":"write"}}`})
		th.route("apikeys", `{"path":"/apikeys/{key}","methods":["PUT"],"handler":{"plugin":"dist-apikey","config":{"mode":"admin"}}}`)
		w := httptest.NewRecorder()
		th.h.Handler().ServeHTTP(w, httptest.NewRequest("PUT", "/apikeys/"+apiKey, strings.NewReader(`{"client":"acme","scopes":["read","write"]}`)))
		if w.Code != 201 {
			b.Fatalf("provisioning the API key: %d %s", w.Code, w.Body)
		}
	}
	for _, r := range routes {
		th.route(r.name, `{"path":"/`+r.name+`","filters":[`+r.filters+`],"handler":{"plugin":"hello"}}`)
	}
	tok := token(&testing.T{}, map[string]any{"iss": "me", "sub": "ann", "exp": time.Now().Add(time.Hour).Unix()})
	h := th.h.Handler()
	for _, r := range routes {
		b.Run(r.name, func(b *testing.B) {
			req := httptest.NewRequest("GET", "/"+r.name, nil)
			req.Header.Set("Authorization", "Bearer "+tok)
			req.Header.Set("X-Api-Key", apiKey)
			var mallocs int64
			serveLoop(b, h, req, func(w *httptest.ResponseRecorder) bool {
				mallocs += sumHeader(b, w.Header().Values("X-Guest-Mallocs")) +
					sumHeader(b, w.Header().Values("X-Guest-Mallocs-Response"))
				return true
			})
			if r.name != "bare" {
				b.ReportMetric(float64(mallocs)/float64(b.N), "guest-mallocs/op")
			}
		})
	}
}

func sumHeader(b *testing.B, vals []string) int64 {
	var n int64
	for _, v := range vals {
		i, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			b.Fatalf("guest mallocs %q: %v", v, err)
		}
		n += i
	}
	return n
}
