package engine

import (
	"context"
	"testing"
	"time"

	"github.com/hostd/hostd/internal/testwasm"
)

// BenchmarkHostCall measures one guest→host call (now) against a guest
// call that makes none; the difference per iteration is the host-call cost.
func BenchmarkHostCall(b *testing.B) {
	e := newEngine(b, Config{})
	p := newPool(b, e, testwasm.HostCall, Binding{Plugin: "hostcall"})
	inst, err := p.Get(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	defer inst.Release()
	const n = 1000
	run := func(b *testing.B, name string, arg uint64, per int) {
		fn := inst.mod.ExportedFunction(name)
		stack := []uint64{arg}
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				stack[0] = arg
				if err := fn.CallWithStack(inst.baseCtx, stack); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*per), "ns/call")
		})
	}
	run(b, "noop", 0, 1)
	run(b, "call_now", n, n)
	// What now itself costs in Go: call_now minus this is the host-call
	// machinery (wazero's trampoline and our wrapper).
	b.Run("go_time_now", func(b *testing.B) {
		var sink int64
		for b.Loop() {
			sink += time.Now().UnixNano()
		}
		_ = sink
	})
}

// BenchmarkOnRequest is one pooled on_request of the WAT hello handler,
// including Get/Release and the exchange.
func BenchmarkOnRequest(b *testing.B) {
	e := newEngine(b, Config{})
	p := newPool(b, e, testwasm.Hello, Binding{Plugin: "hello"})
	b.ReportAllocs()
	for b.Loop() {
		if _, err := serve(b, p); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkInstantiate measures creating one configured instance (what a
// pool does when it grows) and reports its linear memory; it includes the
// TinyGo builds HOSTD_TINYGO_DIST lists (see lifecycleGuests).
//
//	go test ./host/internal/engine -run '^$' -bench BenchmarkInstantiate
func BenchmarkInstantiate(b *testing.B) {
	e := newEngine(b, Config{})
	for _, tc := range lifecycleGuests(b) {
		b.Run(tc.name, func(b *testing.B) {
			p := newPool(b, e, tc.wasm(), Binding{Plugin: tc.name})
			var mem uint32
			b.ReportAllocs()
			for b.Loop() {
				inst, err := p.newInstance(context.Background())
				if err != nil {
					b.Fatal(err)
				}
				mem = inst.MemoryBytes()
				inst.close()
			}
			b.ReportMetric(float64(mem), "mem-bytes/instance")
		})
	}
}
