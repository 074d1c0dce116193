package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/hostd/hostd/host/internal/sandbox"
	"github.com/hostd/hostd/internal/guestbuild"
	"github.com/hostd/hostd/internal/testwasm"
)

// lifecycleGuests are the guests of the lifecycle benchmarks: the WAT
// hello (hostd's own cost), the Go-built examples/hello and, when
// HOSTD_TINYGO_DIST lists TinyGo build directories, each one's hello.wasm
// (named after its directory).
func lifecycleGuests(b *testing.B) []struct {
	name string
	wasm func() []byte
} {
	guests := []struct {
		name string
		wasm func() []byte
	}{
		{"wat-hello", func() []byte { return testwasm.Hello }},
		{"go-hello", func() []byte { return guestbuild.Build(b, "examples/hello") }},
	}
	for _, d := range guestbuild.ListTinyGoDists() {
		guests = append(guests, struct {
			name string
			wasm func() []byte
		}{d.Name, func() []byte { return d.Read(b, "hello") }})
	}
	return guests
}

// BenchmarkCompile measures Engine.Compile of a module nothing holds:
// "cold" builds the machine code in the compile worker (the cache entry is
// removed after each iteration), "cache-hit" finds it in the on-disk cache
// (parse, instrument, verify the entry, load it), as a restart does.
//
//	go test ./host/internal/engine -run '^$' -bench BenchmarkCompile -benchtime 5x
func BenchmarkCompile(b *testing.B) {
	for _, g := range lifecycleGuests(b) {
		wasm := g.wasm()
		e := newEngine(b, Config{CacheDir: b.TempDir(), CompileWorker: self(b)})
		key := instrumentedKey(b, e, wasm)
		ctx := context.Background()
		for _, hit := range []bool{false, true} {
			name := g.name + "/cold"
			if hit {
				name = g.name + "/cache-hit"
			}
			b.Run(name, func(b *testing.B) {
				if hit { // fill the cache (cold removed the entry)
					m, err := e.Compile(ctx, wasm)
					if err != nil {
						b.Fatal(err)
					}
					m.Release(ctx)
				}
				for b.Loop() {
					m, err := e.Compile(ctx, wasm)
					if err != nil {
						b.Fatal(err)
					}
					m.Release(ctx)
					if !hit {
						e.code.remove(key)
					}
				}
			})
		}
	}
}

// instrumentedKey is the cache key of wasm once instrumented by e.
func instrumentedKey(tb testing.TB, e *Engine, wasm []byte) string {
	parsed, err := sandbox.Parse(wasm, e.cfg.Limits)
	if err != nil {
		tb.Fatal(err)
	}
	out, err := sandbox.Instrument(parsed, sandbox.Options{
		StackBudget: int32(e.cfg.StackBudgetBytes / sandbox.StackUnit),
		StackSoft:   int32(e.cfg.StackSoftBytes / sandbox.StackUnit),
	})
	if err != nil {
		tb.Fatal(err)
	}
	sum := sha256.Sum256(out)
	return hex.EncodeToString(sum[:])
}

// BenchmarkPoolGetRelease is one checkout and return of a warm instance,
// sequential and from parallel goroutines.
//
//	go test ./host/internal/engine -run '^$' -bench BenchmarkPoolGetRelease -benchmem
func BenchmarkPoolGetRelease(b *testing.B) {
	e := newEngine(b, Config{})
	p := newPool(b, e, testwasm.Hello, Binding{Plugin: "hello"})
	ctx := context.Background()
	b.Run("serial", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			inst, err := p.Get(ctx)
			if err != nil {
				b.Fatal(err)
			}
			inst.Release()
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				inst, err := p.Get(ctx)
				if err != nil {
					b.Error(err)
					return
				}
				inst.Release()
			}
		})
	})
}

// BenchmarkInstanceMemory creates instancesPerRound live instances per
// iteration and reports what one costs: its linear memory, the Go heap it
// holds (wazero's module instance, globals, tables, hostd's Instance; from
// runtime.MemStats after a GC), and the resident memory it adds to the
// process (/proc/self/statm: linear memory pages touched plus heap).
//
//	go test ./host/internal/engine -run '^$' -bench BenchmarkInstanceMemory -benchtime 3x
func BenchmarkInstanceMemory(b *testing.B) {
	const instancesPerRound = 50
	for _, g := range lifecycleGuests(b) {
		b.Run(g.name, func(b *testing.B) {
			e := newEngine(b, Config{MaxTotalInstances: 4 * instancesPerRound})
			p := newPool(b, e, g.wasm(), Binding{Plugin: g.name})
			ctx := context.Background()
			var heap, rss, linear float64
			for b.Loop() {
				heap0, rss0 := heapAndRSS(b)
				insts := make([]*Instance, 0, instancesPerRound)
				for range instancesPerRound {
					inst, err := p.newInstance(ctx)
					if err != nil {
						b.Fatal(err)
					}
					insts = append(insts, inst)
				}
				heap1, rss1 := heapAndRSS(b)
				heap += float64(heap1-heap0) / instancesPerRound
				rss += float64(rss1-rss0) / instancesPerRound
				linear += float64(insts[0].MemoryBytes())
				for _, inst := range insts {
					inst.close()
				}
			}
			n := float64(b.N)
			b.ReportMetric(linear/n, "linear-bytes/instance")
			b.ReportMetric(heap/n, "heap-bytes/instance")
			b.ReportMetric(rss/n, "rss-bytes/instance")
		})
	}
}

// heapAndRSS returns the live Go heap after a collection and the process's
// resident memory, in bytes.
func heapAndRSS(tb testing.TB) (heap, rss int64) {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		tb.Skip("no /proc/self/statm")
	}
	f := strings.Fields(string(b))
	pages, _ := strconv.ParseInt(f[1], 10, 64)
	return int64(ms.HeapAlloc), pages * int64(os.Getpagesize())
}

// BenchmarkOnRequestWarmPool is one pooled on_request of the Go-built
// examples/hello from a pool that load grew to idle instances (one per
// keep-alive connection of a load generator) and that now serves one
// request at a time, as a pinned server does: what the order in which the
// pool hands its idle instances out costs.
//
//	go test ./host/internal/engine -run '^$' -bench BenchmarkOnRequestWarmPool -benchmem
func BenchmarkOnRequestWarmPool(b *testing.B) {
	wasm := guestbuild.Build(b, "examples/hello")
	for _, idle := range []int{1, 16} {
		b.Run("idle="+strconv.Itoa(idle), func(b *testing.B) {
			e := newEngine(b, Config{MaxInstances: 16})
			p := newPool(b, e, wasm, Binding{Plugin: "hello"})
			ctx := context.Background()
			held := make([]*Instance, idle)
			for i := range held {
				inst, err := p.Get(ctx)
				if err != nil {
					b.Fatal(err)
				}
				held[i] = inst
			}
			for _, inst := range held {
				inst.Release()
			}
			if live, n := p.Stats(); live != idle || n != idle {
				b.Fatalf("pool has %d live, %d idle instances, want %d", live, n, idle)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := serve(b, p); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
