//go:build perf_long

package hostile

import (
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/hostd/hostd/internal/guestbuild"
	"github.com/hostd/hostd/internal/testwasm"
)

// TestSwapRSS uploads and activates HOSTD_SWAPS (default 1000) new
// versions of the plugin behind a route while four loopback clients load
// that route, and reports hostd's resident memory (VmRSS) before and after;
// the growth must stay under 50 MiB (issue 10). Each version is different
// code (a passive data segment carries its number), so every swap
// compiles, stores, builds a new pool and retires the old one. The plugin
// is the WAT hello by default (a swap in ≈30 ms); HOSTD_SWAP_PLUGIN=go
// swaps the Go-built examples/hello (≈1–2 s a swap: set HOSTD_SWAPS).
//
//	go test -count=1 -tags perf_long -run TestSwapRSS -v -timeout 30m ./internal/hostile/
//	HOSTD_SWAP_PLUGIN=go HOSTD_SWAPS=100 go test -count=1 -tags perf_long -run TestSwapRSS -v -timeout 30m ./internal/hostile/
func TestSwapRSS(t *testing.T) {
	swaps := 1000
	if n, err := strconv.Atoi(os.Getenv("HOSTD_SWAPS")); err == nil && n > 0 {
		swaps = n
	}
	wasm := testwasm.Hello
	if os.Getenv("HOSTD_SWAP_PLUGIN") == "go" {
		wasm = guestbuild.Build(t, "examples/hello")
	}
	h := setup(t, nil)
	h.MustUpload("swap", wasm)
	h.MustRoute("swap", "/swap/{name}", "swap", nil)
	load := h.Siege("/swap/bob", 4, 5*time.Second)
	// Warm up: the pools, the connections, the registry's pages.
	swap := func(i int) {
		if r := h.Upload("swap", testwasm.WithDataSegment(t, wasm, i), 60*time.Second); r.Status != 201 {
			load.Stop()
			t.Fatalf("swap %d: want 201, got %s", i, r)
		}
	}
	for i := 1; i <= 20; i++ {
		swap(i)
	}
	time.Sleep(time.Second)
	before := h.Mem()
	start := time.Now()
	for i := 21; i < 21+swaps; i++ {
		swap(i)
	}
	took := time.Since(start)
	time.Sleep(time.Second)
	after := h.Mem()
	res := load.Stop()
	bad := 0
	for _, r := range res {
		if r.Status != 200 {
			bad++
		}
	}
	growth := int64(after.RSS) - int64(before.RSS)
	t.Logf("%d swaps in %s (%s each) under load: %d requests, %d not 200; before %s; after %s; growth %.1f MiB",
		swaps, took.Round(time.Millisecond), (took / time.Duration(swaps)).Round(time.Microsecond),
		len(res), bad, before, after, float64(growth)/(1<<20))
	if bad > 0 {
		t.Errorf("%d of %d requests during the swaps were not answered 200", bad, len(res))
	}
	if growth > 50<<20 {
		t.Errorf("RSS grew by %.1f MiB over %d swaps, want at most 50 MiB", float64(growth)/(1<<20), swaps)
	}
	if err := h.Alive(); err != nil {
		t.Fatal(err)
	}
}
