package host_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/hostd/hostd/internal/guestbuild"
	"github.com/hostd/hostd/internal/testwasm"
)

// reusedWriter is a ResponseWriter that keeps its header map and body
// buffer across requests, so that what a request allocates is the data
// plane's own, not the writer's (net/http's real writer allocates its own
// per connection and per response).
type reusedWriter struct {
	h    http.Header
	code int
	body bytes.Buffer
}

func (w *reusedWriter) Header() http.Header         { return w.h }
func (w *reusedWriter) WriteHeader(code int)        { w.code = code }
func (w *reusedWriter) Write(b []byte) (int, error) { return w.body.Write(b) }

func (w *reusedWriter) reset() {
	clear(w.h)
	w.code = 0
	w.body.Reset()
}

// warmServe returns a function that serves r with h into one reused
// writer, with a new request ID each time (as for a client that sends
// none), after ten requests that fill the pools, caches and map buckets;
// w holds the last answer.
func warmServe(h http.Handler, r *http.Request) (serve func(), w *reusedWriter) {
	w = &reusedWriter{h: http.Header{}}
	serve = func() {
		delete(r.Header, "X-Request-Id")
		w.reset()
		h.ServeHTTP(w, r)
	}
	for range 10 {
		serve()
	}
	return serve, w
}

// TestWasmHandlerPathAllocations pins what one request to a WAT handler
// allocates in the data plane, router and engine, with net/http's own
// request and writer taken out: the three values handed to net/http's
// header maps (the generated request ID, the []string holding it for the
// request and the response header, the Content-Length value), nothing
// else: no context, timer, request copy, route-variable map, exchange or
// metric label lookup per request.
//
// CI runs the suite under -race, where sync.Pool drops a random share of
// what is put back; the count is only meaningful without it, so CI's
// scripts/test.sh runs this test a second time without -race.
func TestWasmHandlerPathAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not the program's under the race detector (sync.Pool drops items)")
	}
	th := startHost(t, nil)
	th.upload("hello-wat", testwasm.Hello)
	th.route("hello-wat", `{"path":"/wat/{name}","methods":["GET"],"handler":{"plugin":"hello-wat"}}`)
	h := th.h.Handler()
	r := httptest.NewRequest("GET", "/wat/bob", nil)
	serve, w := warmServe(h, r)
	if w.code != 200 || w.body.String() != "hello from wat" {
		t.Fatalf("answer %d %q", w.code, w.body.String())
	}
	const want = 3
	if n := testing.AllocsPerRun(200, serve); n > want {
		t.Fatalf("%v allocations per request, want at most %d", n, want)
	}
}

// TestGoHandlerPathAllocations is TestWasmHandlerPathAllocations for the
// Go-built examples/hello, which reads a route variable, sets Content-Type
// and sends its body: one allocation more than the WAT handler, the
// []string that holds the Content-Type value in the response header map
// (net/http keeps it past the request, so it cannot be reused). The name
// and value strings come from the host's tables, not from a copy per
// request; what the guest allocates lives in its own linear memory and
// examples/hello's tests pin it at zero.
func TestGoHandlerPathAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not the program's under the race detector (sync.Pool drops items)")
	}
	th := startHost(t, nil)
	th.upload("hello", guestbuild.Build(t, "examples/hello"))
	th.route("hello", `{"path":"/hello/{name}","methods":["GET"],"handler":{"plugin":"hello"}}`)
	h := th.h.Handler()
	r := httptest.NewRequest("GET", "/hello/bob", nil)
	serve, w := warmServe(h, r)
	if w.code != 200 || w.body.String() != "hello, bob" || w.h.Get("Content-Type") != "text/plain; charset=utf-8" {
		t.Fatalf("answer %d %q %v", w.code, w.body.String(), w.h)
	}
	const want = 3 + 1
	if n := testing.AllocsPerRun(200, serve); n > want {
		t.Fatalf("%v allocations per request, want at most %d", n, want)
	}
}

// BenchmarkHelloHTTP is BenchmarkHello over loopback HTTP/1.1 with a
// keep-alive client, one request at a time: the native handler on its own
// server against hostd's data plane serving the WAT hello handler. The
// difference per request is hostd's cost including net/http's.
//
//	go test ./host -run '^$' -bench BenchmarkHelloHTTP -benchmem
func BenchmarkHelloHTTP(b *testing.B) {
	th := startHost(b, nil)
	th.upload("hello-wat", testwasm.Hello)
	th.route("hello-wat", `{"path":"/wat/{name}","methods":["GET"],"handler":{"plugin":"hello-wat"}}`)
	native := httptest.NewServer(nativeHello())
	defer native.Close()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	for _, tc := range []struct{ name, url string }{
		{"native", native.URL + "/hello/bob"}, {"wasm-wat", th.base + "/wat/bob"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			var buf [64]byte
			for b.Loop() {
				res, err := client.Get(tc.url)
				if err != nil {
					b.Fatal(err)
				}
				for {
					if _, err := res.Body.Read(buf[:]); err != nil {
						break
					}
				}
				res.Body.Close()
				if res.StatusCode != 200 {
					b.Fatalf("status %d", res.StatusCode)
				}
			}
		})
	}
}
