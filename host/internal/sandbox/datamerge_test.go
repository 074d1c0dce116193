package sandbox

import (
	"bytes"
	"context"
	"testing"

	"github.com/tetratelabs/wazero"
)

type seg struct {
	off  int64
	init string
}

// dataModule is a module with a one-page exported memory and the given
// active data segments.
func dataModule(segs []seg) []byte {
	var b modBuilder
	b.memory = []byte{0, 1}
	b.fn(b.typ(nil, nil), nil, []byte{opEnd}) // a code section, for insertDataCount
	b.export("memory", KindMemory, 0)
	var d writer
	d.u32(uint32(len(segs)))
	for _, s := range segs {
		d.u32(0) // active, memory 0
		d.byte(opI32Const)
		d.s64(s.off)
		d.byte(opEnd)
		d.bytesVec([]byte(s.init))
	}
	b.extra = append(b.extra, rawSection{id: secData, data: d.b})
	return b.bytes()
}

// initialMemory instantiates wasm as it is and instrumented, and returns
// both initial memories and the instrumented module's data segment count.
func initialMemory(t *testing.T, wasm []byte) (orig, instrumented []byte, segments int) {
	t.Helper()
	ctx := context.Background()
	rt := wazero.NewRuntime(ctx)
	defer rt.Close(ctx)
	mod, err := rt.InstantiateWithConfig(ctx, wasm, wazero.NewModuleConfig().WithName("orig"))
	if err != nil {
		t.Fatal(err)
	}
	orig, _ = mod.Memory().Read(0, 1<<16)
	orig = append([]byte(nil), orig...)
	tr := newTestRuntime(t, Options{StackBudget: 1 << 20})
	instrumented, _ = tr.load(t, wasm).Memory().Read(0, 1<<16)
	m, err := Parse(wasm, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	out, err := Instrument(m, Options{StackBudget: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	om, err := Parse(out, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	return orig, instrumented, len(om.Data)
}

// TestMergedDataKeepsTheMemory: merging data segments leaves an instance's
// initial memory exactly as the module's own segments make it, and merges
// only where the order of the segments cannot matter.
func TestMergedDataKeepsTheMemory(t *testing.T) {
	for _, tc := range []struct {
		name     string
		segs     []seg
		segments int
	}{
		{"disjoint", []seg{
			{300, "op"}, {0, "abc"}, {3, "def"}, {10, "gh"}, // sorted: abc·def·gh (a 4-byte gap) is one
			{200, "ij"}, {100, ""}, {203, "kl"}, // 188 bytes on: ij·kl; the empty one is left out
			{305, "q"}, // op·q
		}, 3},
		{"overlapping", []seg{{0, "abc"}, {2, "XY"}, {4, "z"}}, 3},
		{"one", []seg{{5, "a"}}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			orig, got, n := initialMemory(t, dataModule(tc.segs))
			if !bytes.Equal(got, orig) {
				t.Fatal("the instrumented module's initial memory differs from the original's")
			}
			if n != tc.segments {
				t.Fatalf("%d segments after instrumenting, want %d", n, tc.segments)
			}
		})
	}
	// The memory is what the segments say (the test is not vacuous).
	orig, _, _ := initialMemory(t, dataModule([]seg{{0, "abc"}, {2, "XY"}}))
	if string(orig[:4]) != "abXY" {
		t.Fatalf("overlapping segments give %q", orig[:4])
	}
	// With a data count section (memory.init and data.drop may name
	// segments), nothing is merged.
	segs := []seg{{0, "abc"}, {3, "def"}}
	m, err := Parse(insertDataCount(dataModule(segs), uint32(len(segs))), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	out, err := Instrument(m, Options{StackBudget: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	if om, err := Parse(out, Limits{}); err != nil || len(om.Data) != len(segs) {
		t.Fatalf("with a data count: %v, want %d segments", err, len(segs))
	}
}
