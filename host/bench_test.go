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
// the compilation cache never hits, as for a real new version.
//
//	go test ./host -run '^$' -bench BenchmarkUploadToServing -benchtime 20x
func BenchmarkUploadToServing(b *testing.B) {
	for _, tc := range []struct{ name, src string }{{"go", "examples/hello"}, {"wat", ""}} {
		b.Run(tc.name, func(b *testing.B) {
			th := startHost(b, nil)
			wasm := testwasm.Hello
			if tc.src != "" {
				wasm = guestbuild.Build(b, tc.src)
			}
			th.upload("hello", wasm)
			th.route("hello", `{"path":"/hello/{name}","handler":{"plugin":"hello"}}`)
			i := 0
			for b.Loop() {
				i++
				r := th.adminDo("PUT", "/v1/plugins/hello", withDataSegment(b, wasm, i))
				if r.status != 201 {
					b.Fatalf("upload: %d %s", r.status, r.body)
				}
				if res := th.get("/hello/bob"); res.status != 200 {
					b.Fatalf("serve: %d", res.status)
				}
			}
		})
	}
}

// withDataSegment adds a passive data segment holding n to the module's
// data section (and to its data count, if it has one): different code,
// same behaviour.
func withDataSegment(tb testing.TB, wasm []byte, n int) []byte {
	out := append([]byte(nil), wasm[:8]...)
	seg := binary.LittleEndian.AppendUint64([]byte{1, 8}, uint64(n)) // passive, 8 bytes
	for off := 8; off < len(wasm); {
		id := wasm[off]
		size, k := binary.Uvarint(wasm[off+1:])
		body := wasm[off+1+k : off+1+k+int(size)]
		off += 1 + k + int(size)
		switch id {
		case 11, 12: // data, data count: one more segment
			count, c := binary.Uvarint(body)
			nb := binary.AppendUvarint(nil, count+1)
			nb = append(nb, body[c:]...)
			if id == 11 {
				nb = append(nb, seg...)
			}
			body = nb
		}
		out = append(out, id)
		out = binary.AppendUvarint(out, uint64(len(body)))
		out = append(out, body...)
	}
	if len(out) == len(wasm) {
		tb.Fatal("withDataSegment: the module has no data section")
	}
	return out
}
