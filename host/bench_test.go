package host_test

import (
	"encoding/binary"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/hostd/hostd/internal/guestbuild"
	"github.com/hostd/hostd/internal/testwasm"
)

// nativeHello is the examples/hello handler written in plain Go, behind
// the standard library's router: the baseline for the Wasm handler.
func nativeHello() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /hello/{name}", func(w http.ResponseWriter, r *http.Request) {
		name := r.PathValue("name")
		if name == "" {
			name = "world"
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Content-Length", fmt.Sprint(len("hello, ")+len(name)))
		w.WriteHeader(200)
		_, _ = w.Write([]byte("hello, " + name))
	})
	return mux
}

// BenchmarkHello compares one request, in process (no network), through
// hostd's data plane to the Go-built examples/hello plugin and to the WAT
// hello fixture, against the same handler in native Go.
//
//	go test ./host -run '^$' -bench BenchmarkHello -benchmem
func BenchmarkHello(b *testing.B) {
	th := startHost(b, nil)
	th.upload("hello", guestbuild.Build(b, "examples/hello"))
	th.upload("hello-wat", testwasm.Hello)
	th.route("hello", `{"path":"/hello/{name}","methods":["GET"],"handler":{"plugin":"hello"}}`)
	th.route("hello-wat", `{"path":"/wat/{name}","methods":["GET"],"handler":{"plugin":"hello-wat"}}`)
	run := func(name string, h http.Handler, path string) {
		b.Run(name, func(b *testing.B) {
			req := httptest.NewRequest("GET", path, nil)
			b.ReportAllocs()
			for b.Loop() {
				w := httptest.NewRecorder()
				h.ServeHTTP(w, req)
				if w.Code != 200 {
					b.Fatalf("status %d: %s", w.Code, w.Body)
				}
			}
		})
	}
	run("native", nativeHello(), "/hello/bob")
	run("wasm-go", th.h.Handler(), "/hello/bob")
	run("wasm-wat", th.h.Handler(), "/wat/bob")
}

// BenchmarkUploadToServing measures the time from a PUT of new plugin
// bytes on the admin API to the first request served by that version
// (compile, validate, store with fsync, swap). Each iteration uploads
// different code (a passive data segment carries the iteration number:
// custom sections would not do, hostd drops them before compiling), so
// the compilation cache never hits, as for a real new version. The
// cases: the Go-built examples/hello (≈3.3 MB), the WAT hello padded with
// ≈25 KB of code (functions with loops, which the instrumentation rewrites
// like any guest's: the size of a small TinyGo plugin), and the bare WAT
// hello (146 B: hostd's fixed cost); and the TinyGo builds of hello that
// HOSTD_TINYGO_DIST lists.
//
//	go test ./host -run '^$' -bench BenchmarkUploadToServing -benchtime 20x
func BenchmarkUploadToServing(b *testing.B) {
	cases := []struct {
		name string
		wasm func() []byte
	}{
		{"go", func() []byte { return guestbuild.Build(b, "examples/hello") }},
		{"wat-25k", func() []byte { return withCode(b, testwasm.Hello, 25<<10) }},
		{"wat", func() []byte { return testwasm.Hello }},
	}
	for _, d := range guestbuild.ListTinyGoDists() { // opt-in, see tinygo_test.go
		cases = append(cases, struct {
			name string
			wasm func() []byte
		}{d.Name, func() []byte { return d.Read(b, "hello") }})
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			th := startHost(b, nil)
			wasm := tc.wasm()
			th.upload("hello", wasm)
			th.route("hello", `{"path":"/hello/{name}","handler":{"plugin":"hello"}}`)
			i := 0
			cpu0 := cpuTime()
			for b.Loop() {
				i++
				r := th.adminDo("PUT", "/v1/plugins/hello", testwasm.WithDataSegment(b, wasm, i))
				if r.status != 201 {
					b.Fatalf("upload: %d %s", r.status, r.body)
				}
				if res := th.get("/hello/bob"); res.status != 200 {
					b.Fatalf("serve: %d", res.status)
				}
			}
			b.ReportMetric(float64((cpuTime()-cpu0).Milliseconds())/float64(b.N), "cpu-ms/op")
			b.ReportMetric(float64(len(wasm)), "module-bytes")
		})
	}
}

// withCode appends functions to the module until it is at least size
// bytes: each (i32)->i32, a loop of arithmetic that nothing calls (wazero
// and the instrumentation still process every one).
func withCode(tb testing.TB, wasm []byte, size int) []byte {
	body := []byte{1, 1, 0x7f, 0x03, 0x40} // one i32 local; loop
	for range 8 {                          // x = x*3 ^ 7
		body = append(body, 0x20, 0, 0x41, 3, 0x6c, 0x41, 7, 0x73, 0x21, 0)
	}
	// i++; br_if (i < 16); end; x; end
	body = append(body, 0x20, 1, 0x41, 1, 0x6a, 0x22, 1, 0x41, 16, 0x49, 0x0d, 0, 0x0b, 0x20, 0, 0x0b)
	n := (size-len(wasm))/(len(body)+2) + 1
	var types uint64
	out := append([]byte(nil), wasm[:8]...)
	for off := 8; off < len(wasm); {
		id := wasm[off]
		sz, k := binary.Uvarint(wasm[off+1:])
		sec := wasm[off+1+k : off+1+k+int(sz)]
		off += 1 + k + int(sz)
		count, c := binary.Uvarint(sec)
		var extra []byte
		switch id {
		case 1: // type: (i32)->i32
			types = count
			count, extra = count+1, []byte{0x60, 1, 0x7f, 1, 0x7f}
		case 3: // function: n more of that type
			for range n {
				extra = binary.AppendUvarint(extra, types)
			}
			count += uint64(n)
		case 10: // code: n more bodies
			for range n {
				extra = binary.AppendUvarint(extra, uint64(len(body)))
				extra = append(extra, body...)
			}
			count += uint64(n)
		}
		if extra != nil {
			sec = append(append(binary.AppendUvarint(nil, count), sec[c:]...), extra...)
		}
		out = append(out, id)
		out = binary.AppendUvarint(out, uint64(len(sec)))
		out = append(out, sec...)
	}
	if len(out) < size {
		tb.Fatal("withCode: the module has no type, function or code section")
	}
	return out
}
