package host_test

import (
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/hostd/hostd/host"
	"github.com/hostd/hostd/internal/guestbuild"
	"github.com/hostd/hostd/internal/testwasm"
)

// BenchmarkRestartToReady measures a restart on a data dir holding 20
// Go-built plugins, each behind its own route, with a warm compilation
// cache: from host.New to /readyz answering 200 and every route serving
// (its first GET answered 200). The 20 plugins are examples/hello with 20
// different passive data segments: 20 distinct modules of a real Go
// plugin's size, each with its own cache entry, as 20 different plugins
// would be (20 names of the same bytes would share one compiled module and
// measure one load, not twenty).
//
// The setup compiles the 20 modules once per test binary (≈40 s on the
// 2-core machine); HOSTD_BENCH_CACHE names a cache directory to keep them
// in between runs.
//
//	HOSTD_BENCH_CACHE=/tmp/hostd-bench-cache go test ./host -run '^$' -bench BenchmarkRestartToReady -benchtime 3x
func BenchmarkRestartToReady(b *testing.B) {
	const plugins = 20
	cache := sharedCache
	if dir := os.Getenv("HOSTD_BENCH_CACHE"); dir != "" {
		cache = dir
	}
	th := startHost(b, func(c *host.Config) { c.CacheDir = cache })
	wasm := guestbuild.Build(b, "examples/hello")
	for i := range plugins {
		name := fmt.Sprintf("hello-%02d", i)
		th.upload(name, testwasm.WithDataSegment(b, wasm, i))
		th.route(name, fmt.Sprintf(`{"path":"/%s/{name}","handler":{"plugin":%q}}`, name, name))
	}
	th.stop()
	var startup time.Duration
	cpu0 := cpuTime()
	for b.Loop() {
		t0 := time.Now()
		th = th.restart(func(c *host.Config) { c.CacheDir = cache })
		startup += time.Since(t0)
		if r := th.do("GET", th.admin+"/readyz", "", nil); r.status != 200 {
			b.Fatalf("readyz: %d %s", r.status, r.body)
		}
		for i := range plugins {
			if r := th.get(fmt.Sprintf("/hello-%02d/bob", i)); r.status != 200 {
				b.Fatalf("route %d: %d %s", i, r.status, r.body)
			}
		}
		b.StopTimer()
		cpu1 := cpuTime()
		th.stop()
		cpu0 += cpuTime() - cpu1 // the shutdown is not the restart's
		b.StartTimer()
	}
	b.ReportMetric(float64((cpuTime()-cpu0).Milliseconds())/float64(b.N), "cpu-ms/op")
	b.ReportMetric(float64(startup.Milliseconds())/float64(b.N), "ms-to-started/op")
}
