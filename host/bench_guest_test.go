package host_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/hostd/hostd/host"
	"github.com/hostd/hostd/internal/guestbuild"
	"github.com/hostd/hostd/internal/testwasm"
)

// guestVariants are the guests of BenchmarkGuestBreakdown, in the order of
// the work they add (sdk/internal/benchguest says what each does), with the
// body each answers to GET /g/<variant>/bob.
var guestVariants = []struct{ name, dir, body string }{
	{"empty", "sdk/internal/benchguest/empty", ""},
	{"raw", "sdk/internal/benchguest/raw", "hello, bob"},
	{"send", "sdk/internal/benchguest/send", "hello, bob"},
	{"send2", "sdk/internal/benchguest/send2", "hello, bob"},
	{"now100", "sdk/internal/benchguest/now100", "hello, bob"},
	{"routevar", "sdk/internal/benchguest/routevar", "hello, bob"},
	{"appendvar", "sdk/internal/benchguest/appendvar", "hello, bob"},
	{"header", "sdk/internal/benchguest/header", "hello, bob"},
	{"strings", "sdk/internal/benchguest/strings", "hello, bob"},
	{"hello", "examples/hello", "hello, bob"},
}

// BenchmarkGuestBreakdown is BenchmarkHello split up: one request, in
// process, to Go guests that each do one more piece of examples/hello's
// work, beside the WAT hello (one send_response, hostd's floor) and the
// native handler. The difference between two neighbours is what that piece
// costs; docs/perf/guest.md has the table and the host calls each makes.
// cpu-ns/op is the process's CPU time per request (GC included), steadier
// than ns/op on a shared machine.
//
//	go test ./host -run '^$' -bench BenchmarkGuestBreakdown -benchmem
func BenchmarkGuestBreakdown(b *testing.B) {
	th := startHost(b, nil)
	for _, v := range guestVariants {
		th.upload("g-"+v.name, guestbuild.Build(b, v.dir))
		th.route("g-"+v.name, `{"path":"/g/`+v.name+`/{name}","methods":["GET"],"handler":{"plugin":"g-`+v.name+`"}}`)
	}
	th.upload("hello-wat", testwasm.Hello)
	th.route("hello-wat", `{"path":"/wat/{name}","methods":["GET"],"handler":{"plugin":"hello-wat"}}`)
	h := th.h.Handler()
	run := func(name, path, body string, h http.Handler) {
		b.Run(name, func(b *testing.B) {
			req := httptest.NewRequest("GET", path, nil)
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			if w.Code != 200 || w.Body.String() != body {
				b.Fatalf("answer %d %q, want 200 %q", w.Code, w.Body, body)
			}
			serveLoop(b, h, req, nil)
		})
	}
	run("native", "/hello/bob", "hello, bob", nativeHello())
	run("wat", "/wat/bob", "hello from wat", h)
	for _, v := range guestVariants {
		run(v.name, "/g/"+v.name+"/bob", v.body, h)
	}
}

// BenchmarkGuestRecycle measures what recycling instances costs per
// request: the same guests on a host that recycles an instance after the
// default 10,000 requests and on one that never does in the benchmark's
// time. A Go-built instance costs ≈5 ms to create, so the default adds
// ≈0.5 µs to each request; a WAT instance costs next to nothing.
//
//	go test ./host -run '^$' -bench BenchmarkGuestRecycle -benchmem
func BenchmarkGuestRecycle(b *testing.B) {
	for _, tc := range []struct {
		name     string
		maxCalls int
	}{{"default", 0}, {"never", 1 << 30}} {
		th := startHost(b, func(c *host.Config) { c.Limits.MaxCallsPerInstance = tc.maxCalls })
		th.upload("empty", guestbuild.Build(b, "sdk/internal/benchguest/empty"))
		th.route("empty", `{"path":"/g/empty/{name}","methods":["GET"],"handler":{"plugin":"empty"}}`)
		th.upload("hello", guestbuild.Build(b, "examples/hello"))
		th.route("hello", `{"path":"/hello/{name}","methods":["GET"],"handler":{"plugin":"hello"}}`)
		th.upload("hello-wat", testwasm.Hello)
		th.route("hello-wat", `{"path":"/wat/{name}","methods":["GET"],"handler":{"plugin":"hello-wat"}}`)
		h := th.h.Handler()
		for _, p := range []struct{ name, path string }{
			{"wat", "/wat/bob"}, {"empty", "/g/empty/bob"}, {"hello", "/hello/bob"},
		} {
			b.Run(tc.name+"/"+p.name, func(b *testing.B) {
				serveLoop(b, h, httptest.NewRequest("GET", p.path, nil), nil)
			})
		}
		th.stop()
	}
}
