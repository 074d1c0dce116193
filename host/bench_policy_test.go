package host_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/hostd/hostd/internal/testwasm"
)

// BenchmarkFilters measures one request, in process, through each built-in
// filter and through all three, in front of the WAT hello handler, next to
// the bare route — all in one run, so the differences are the filters'
// costs. cpu-ns/op is the process's CPU time per request (cpuTime), steadier
// than ns/op on a shared machine.
//
//	go test ./host -run '^$' -bench BenchmarkFilters -benchmem
func BenchmarkFilters(b *testing.B) {
	h, tok, routes := filterRoutes(b)
	for _, r := range routes {
		b.Run(r, func(b *testing.B) {
			req := httptest.NewRequest("GET", "/"+r, nil)
			req.Header.Set("Authorization", "Bearer "+tok)
			serveLoop(b, h, req, nil)
		})
	}
}

// filterRoutes starts a host with the routes of BenchmarkFilters: the WAT
// hello behind no filter ("bare"), behind each built-in filter and behind
// all three ("chain"), each at /NAME. It returns the data plane's handler,
// a token jwt-auth accepts and the route names.
func filterRoutes(b *testing.B) (http.Handler, string, []string) {
	th := startHost(b, nil)
	expectStatus(b, th.adminDo("PUT", "/v1/keysets/demo", []byte(demoJWKS())), 201)
	th.upload("hello", testwasm.Hello)
	jwt := `{"plugin":"jwt-auth","config":{"keyset":"demo","issuer":"me","forward_claims":{"sub":"X-User"}},"keysets":["demo"]}`
	rl := `{"plugin":"rate-limit","config":{"rate":1000000000,"per":"1s","key":"header:X-User"}}`
	cb := `{"plugin":"circuit-breaker","config":{"name":"bench","consecutive_failures":5,"failure_ratio":0}}`
	routes := []struct{ name, filters string }{
		{"bare", ``},
		{"jwt-auth", jwt},
		{"rate-limit", rl},
		{"circuit-breaker", cb},
		{"chain", jwt + "," + rl + "," + cb},
	}
	names := make([]string, len(routes))
	for i, r := range routes {
		th.route(r.name, `{"path":"/`+r.name+`","filters":[`+r.filters+`],"handler":{"plugin":"hello"}}`)
		names[i] = r.name
	}
	tok := token(&testing.T{}, map[string]any{"iss": "me", "sub": "ann", "exp": time.Now().Add(time.Hour).Unix()})
	return th.h.Handler(), tok, names
}

// BenchmarkProxy compares a GET through hostd's upstream route (over
// loopback HTTP, no filters) with the same GET sent to the upstream
// directly, in one run.
//
//	go test ./host -run '^$' -bench BenchmarkProxy -benchmem
func BenchmarkProxy(b *testing.B) {
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("hello, world"))
	}))
	defer api.Close()
	th := startHost(b, nil)
	th.route("api", `{"path":"/api","upstream":{"targets":["`+api.URL+`"]}}`)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	for _, tc := range []struct{ name, url string }{{"direct", api.URL + "/api"}, {"via-hostd", th.base + "/api"}} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				res, err := client.Get(tc.url)
				if err != nil {
					b.Fatal(err)
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != 200 {
					b.Fatalf("status %d", res.StatusCode)
				}
			}
		})
	}
}
