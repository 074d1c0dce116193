package engine

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/hostd/hostd/abi"
)

// BenchmarkHostFuncsHTTP calls the request host functions that a Go
// handler like examples/hello makes, directly (no guest, no wazero
// trampoline), on a real instance's memory during a simulated on_request:
// what each costs on the host side, and what it allocates.
//
//	go test ./host/internal/engine -run '^$' -bench BenchmarkHostFuncsHTTP -benchmem
func BenchmarkHostFuncsHTTP(b *testing.B) {
	h := newFuzzHost(b, Config{})
	r := httptest.NewRequest("GET", "/hello/bob?name=alice&x=1", nil)
	r.Header.Set("X-Api-Key", "k-123")
	ex := NewExchange(r, map[string]string{"name": "bob"}, "req-1", 1<<20)
	h.inst.phase, h.inst.ex = phaseRequest, ex
	b.Cleanup(func() { h.leave(ex) })
	ctx := h.hostCtx(context.Background())
	m := h.inst.mod
	const (
		nameAt  = 0    // arguments are written here
		valueAt = 256  // second argument
		bufAt   = 1024 // output buffer
		bufLen  = 512
	)
	put := func(at uint32, s string) uint64 {
		if !m.Memory().WriteString(at, s) {
			b.Fatal("write")
		}
		return uint64(len(s))
	}
	run := func(name, fn string, stack func() []uint64, after func(out uint64)) {
		f := hostFuncs[fn]
		b.Run(name, func(b *testing.B) {
			st := stack()
			in := append([]uint64(nil), st...)
			b.ReportAllocs()
			cpu0 := processCPU()
			for b.Loop() {
				copy(st, in)
				f(ctx, m, st)
				after(st[0])
			}
			b.ReportMetric(float64((processCPU()-cpu0).Nanoseconds())/float64(b.N), "cpu-ns/op")
		})
	}
	found := func(want bool) func(uint64) {
		return func(out uint64) {
			if ok, _ := abi.UnpackFoundLen(out); ok != want {
				b.Fatalf("found %v", ok)
			}
		}
	}
	ok := func(out uint64) {
		if abi.Status(out) != abi.StatusOK {
			b.Fatalf("status %v", abi.Status(out))
		}
	}
	resetResponse := func(out uint64) {
		ok(out)
		clear(ex.Header)
		ex.respAdded = headerBudget{}
	}
	run("get_route_var", abi.FuncGetRouteVar, func() []uint64 {
		return []uint64{nameAt, put(nameAt, "name"), bufAt, bufLen}
	}, found(true))
	run("get_query", abi.FuncGetQuery, func() []uint64 { return []uint64{bufAt, bufLen} }, func(uint64) {})
	run("get_header", abi.FuncGetHeader, func() []uint64 {
		return []uint64{uint64(abi.HeaderKindRequest), nameAt, put(nameAt, "X-Api-Key"), bufAt, bufLen}
	}, found(true))
	run("get_header_lower", abi.FuncGetHeader, func() []uint64 {
		return []uint64{uint64(abi.HeaderKindRequest), nameAt, put(nameAt, "x-api-key"), bufAt, bufLen}
	}, found(true))
	run("set_header", abi.FuncSetHeader, func() []uint64 {
		return []uint64{uint64(abi.HeaderKindResponse), nameAt, put(nameAt, "Content-Type"),
			valueAt, put(valueAt, "text/plain; charset=utf-8")}
	}, resetResponse)
	run("set_header_lower", abi.FuncSetHeader, func() []uint64 {
		return []uint64{uint64(abi.HeaderKindResponse), nameAt, put(nameAt, "x-plugin-tag"),
			valueAt, put(valueAt, "v1")}
	}, resetResponse)
	run("send_response", abi.FuncSendResponse, func() []uint64 {
		return []uint64{200, valueAt, put(valueAt, "hello, bob")}
	}, func(out uint64) {
		ok(out)
		ex.sent = false
		ex.Body.Reset()
	})
}
