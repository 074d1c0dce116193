package sandbox

import (
	"bytes"
	"context"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// bulkModule exports fill(d, v, n), copy(d, s, n) and init(d, s, n) over
// a 4-page memory whose first bytes and a 100 KiB passive data segment
// hold patterns.
func bulkModule() []byte {
	var b modBuilder
	t := b.typ([]byte{I32, I32, I32}, nil)
	b.memory = []byte{0, 4}
	b.fn(t, nil, code(opLocalGet, 0, opLocalGet, 1, opLocalGet, 2, byte(opPrefixFC), fcMemoryFill, 0, opEnd))
	b.fn(t, nil, code(opLocalGet, 0, opLocalGet, 1, opLocalGet, 2, byte(opPrefixFC), fcMemoryCopy, 0, 0, opEnd))
	b.fn(t, nil, code(opLocalGet, 0, opLocalGet, 1, opLocalGet, 2, byte(opPrefixFC), fcMemoryInit, 0, 0, opEnd))
	b.export("fill", KindFunc, 0)
	b.export("copy", KindFunc, 1)
	b.export("init", KindFunc, 2)
	b.export("memory", KindMemory, 0)
	seg := make([]byte, 100<<10)
	for i := range seg {
		seg[i] = byte(i*7 + i>>8)
	}
	var d writer
	d.u32(1) // one segment
	d.u32(1) // passive
	d.bytesVec(seg)
	b.extra = append(b.extra, rawSection{id: secData, data: d.b})
	// A data count section is required by memory.init; it must come
	// before the code section.
	wasm := b.bytes()
	return insertDataCount(wasm, 1)
}

// insertDataCount puts a data count section before the code section.
func insertDataCount(wasm []byte, n uint32) []byte {
	r := reader{b: wasm, off: 8}
	for !r.done() {
		start := r.off
		id := r.byte()
		size := r.u32()
		if id == secCode {
			var w writer
			w.section(secDataCount, func(s *writer) { s.u32(n) })
			return append(append(append([]byte(nil), wasm[:start]...), w.b...), wasm[start:]...)
		}
		r.off += int(size)
	}
	panic("no code section")
}

// run calls fn on a fresh instance of wasm (uninstrumented or not) and
// returns the memory afterwards and whether the call trapped.
func runBulk(t testing.TB, rt wazero.Runtime, wasm []byte, fn string, args ...uint64) ([]byte, bool) {
	t.Helper()
	ctx := context.Background()
	mod, err := rt.InstantiateWithConfig(ctx, wasm, wazero.NewModuleConfig().WithName(""))
	if err != nil {
		t.Fatal(err)
	}
	defer mod.Close(ctx)
	if g, ok := mod.ExportedGlobal(FuelExport).(api.MutableGlobal); ok {
		g.Set(1 << 20)
	}
	mem := mod.Memory()
	pattern, _ := mem.Read(0, mem.Size())
	for i := range pattern {
		pattern[i] = byte(i * 13)
	}
	_, err = mod.ExportedFunction(fn).Call(ctx, args...)
	out, _ := mem.Read(0, mem.Size())
	return bytes.Clone(out), err != nil
}

func TestChunkedBulkMatchesWazero(t *testing.T) {
	tr := newTestRuntime(t, Options{StackBudget: 1 << 20})
	tr.refill = 1 << 20
	raw := bulkModule()
	m, err := Parse(raw, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	inst, err := Instrument(m, Options{StackBudget: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	const mem = 4 << 16
	cases := [][4]uint64{ // fn, a, b, n
		{0, 0, 0xab, mem}, {0, 10, 1, 200000}, {0, mem - 5, 7, 5}, {0, mem - 5, 7, 6}, {0, 1 << 31, 1, 1 << 31},
		{1, 0, 1000, 150000}, {1, 1000, 0, 150000}, {1, 5, 5, 100}, {1, 0, mem - 10, 11}, {1, mem - 10, 0, 11},
		{1, 70000, 3, mem - 70000}, {1, 3, 70000, mem - 70000},
		{2, 0, 0, 100 << 10}, {2, 1000, 500, 70000}, {2, 0, 1, 100 << 10}, {2, mem - 10, 0, 11}, {2, 0, 0, 0},
		{2, 0xffffffff, 0, 2}, {1, 0xffffff00, 0, 0x200},
	}
	names := []string{"fill", "copy", "init"}
	// A big fill yields between its chunks.
	ctx := context.Background()
	mod, err := tr.rt.InstantiateWithConfig(ctx, inst, wazero.NewModuleConfig().WithName(""))
	if err != nil {
		t.Fatal(err)
	}
	mod.ExportedGlobal(FuelExport).(api.MutableGlobal).Set(1)
	tr.refill = 1
	if _, err := mod.ExportedFunction("fill").Call(ctx, 0, 1, mem); err != nil {
		t.Fatal(err)
	}
	if n := tr.yields.Load(); n < mem/bulkChunk-1 {
		t.Fatalf("a %d-byte fill yielded %d times, want once per %d-byte chunk", mem, n, bulkChunk)
	}
	mod.Close(ctx)
	tr.refill = 1 << 20
	for _, c := range cases {
		want, wantTrap := runBulk(t, tr.rt, raw, names[c[0]], c[1], c[2], c[3])
		got, gotTrap := runBulk(t, tr.rt, inst, names[c[0]], c[1], c[2], c[3])
		if gotTrap != wantTrap || !bytes.Equal(got, want) {
			t.Errorf("%s(%d, %d, %d): instrumented trapped %v, plain %v; memory equal %v",
				names[c[0]], c[1], c[2], c[3], gotTrap, wantTrap, bytes.Equal(got, want))
		}
	}
}

// FuzzChunkedBulk compares the chunked bulk instructions with wazero's on
// random operands.
//
//	go test ./host/internal/sandbox -run '^$' -fuzz FuzzChunkedBulk -fuzztime 60s
func FuzzChunkedBulk(f *testing.F) {
	f.Add(uint8(0), uint32(0), uint32(1), uint32(1000))
	f.Add(uint8(1), uint32(100), uint32(0), uint32(200000))
	f.Add(uint8(2), uint32(0), uint32(5), uint32(70000))
	raw := bulkModule()
	m, _ := Parse(raw, Limits{})
	inst, _ := Instrument(m, Options{StackBudget: 1 << 20})
	f.Fuzz(func(t *testing.T, fn uint8, a, b, n uint32) {
		tr := newTestRuntime(t, Options{StackBudget: 1 << 20})
		tr.refill = 1 << 20
		name := []string{"fill", "copy", "init"}[fn%3]
		want, wantTrap := runBulk(t, tr.rt, raw, name, uint64(a), uint64(b), uint64(n))
		got, gotTrap := runBulk(t, tr.rt, inst, name, uint64(a), uint64(b), uint64(n))
		if gotTrap != wantTrap || !bytes.Equal(got, want) {
			t.Fatalf("%s(%d, %d, %d): instrumented trapped %v, plain %v; memory equal %v",
				name, a, b, n, gotTrap, wantTrap, bytes.Equal(got, want))
		}
	})
}
