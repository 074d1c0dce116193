package host_test

import (
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"

	"github.com/hostd/hostd/internal/testwasm"
)

// TestPolicyHostFunctionAllocations pins what the policy host functions
// add to a WAT handler's request: nothing. jwt_verify of a token verified
// before (the token cache), ratelimit_take and breaker_allow +
// breaker_report allocate no more per request than the hello handler's
// data plane does (TestWasmHandlerPathAllocations).
func TestPolicyHostFunctionAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not the program's under the race detector (sync.Pool drops items)")
	}
	th := startHost(t, nil)
	expectStatus(t, th.adminDo("PUT", "/v1/keysets/ks", []byte(demoJWKS())), http.StatusCreated)
	for name, wasm := range map[string][]byte{"hello": testwasm.Hello, "jwt": testwasm.JWT,
		"rl": testwasm.RateLimit, "br": testwasm.Breaker} {
		th.upload(name, wasm)
	}
	th.route("hello", `{"path":"/hello/{name}","handler":{"plugin":"hello"}}`)
	th.route("jwt", `{"path":"/jwt","handler":{"plugin":"jwt","keysets":["ks"]}}`)
	th.route("rl", `{"path":"/rl","handler":{"plugin":"rl"}}`)
	th.route("br", `{"path":"/br","handler":{"plugin":"br"}}`)
	tok := token(t, map[string]any{"iss": "me", "sub": "ann"})
	h := th.h.Handler()
	allocs := func(path string, wantCode int) float64 {
		r := httptest.NewRequest("GET", path, nil)
		r.Header.Set("X-Token", tok)
		serve, w := warmServe(h, r)
		if w.code != wantCode {
			t.Fatalf("%s: %d %q", path, w.code, w.body.String())
		}
		// Not testing.AllocsPerRun: it rounds down, and the hello
		// handler's count is just under a whole number.
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		const runs = 1000
		for range runs {
			serve()
		}
		runtime.ReadMemStats(&after)
		return float64(after.Mallocs-before.Mallocs) / runs
	}
	base := allocs("/hello/bob", 200)
	for _, c := range []struct {
		path string
		code int
	}{{"/jwt", 200}, {"/rl", 429}, {"/br", 200}} {
		if n := allocs(c.path, c.code); n > base+0.2 {
			t.Errorf("%s: %.2f allocations per request, the hello handler %.2f", c.path, n, base)
		}
	}
}
