package engine

import (
	"context"
	"testing"
)

// BenchmarkGuestServe is one pooled on_request of each lifecycle guest's
// hello (WAT, Go-built and the TinyGo builds HOSTD_TINYGO_DIST lists), on
// one instance, and reports the instance's linear memory after the run:
// a guest whose heap grows per request (TinyGo's -gc=leaking) shows it
// here.
//
//	HOSTD_TINYGO_DIST=DIR[:DIR...] go test ./host/internal/engine -run '^$' -bench BenchmarkGuestServe -benchmem
func BenchmarkGuestServe(b *testing.B) {
	for _, g := range lifecycleGuests(b) {
		b.Run(g.name, func(b *testing.B) {
			e := newEngine(b, Config{})
			p := newPool(b, e, g.wasm(), Binding{Plugin: g.name})
			b.ReportAllocs()
			for b.Loop() {
				ex, err := serve(b, p)
				if err != nil || ex.Status != 200 {
					b.Fatalf("status %d, %v", ex.Status, err)
				}
				ex.Release()
			}
			inst, err := p.Get(context.Background())
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(inst.MemoryBytes()), "linear-bytes-after")
			inst.Release()
		})
	}
}
