package host_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// serveLoop is the loop of the in-process request benchmarks: it sends req
// to h once per iteration, fails on an answer other than 200 (or one check
// refuses), and reports allocations and cpu-ns/op, the process's CPU time
// per request (cpuTime), which is steadier than ns/op on a shared machine.
// check, when not nil, sees every answer.
func serveLoop(b *testing.B, h http.Handler, req *http.Request, check func(*httptest.ResponseRecorder) bool) {
	b.Helper()
	b.ReportAllocs()
	cpu := cpuTime()
	for b.Loop() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != 200 || (check != nil && !check(w)) {
			b.Fatalf("%s %s: %d %s", req.Method, req.URL.Path, w.Code, w.Body)
		}
	}
	if cpu > 0 { // 0: no CPU clock on this OS (bench_cpu_other_test.go)
		b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N), "cpu-ns/op")
	}
}
