package sandbox

import (
	"context"
	"testing"

	"github.com/tetratelabs/wazero/api"
)

// heightAcrossCall returns a module whose run(n) keeps `height` operand
// values on the stack across its recursive call.
func heightAcrossCall(height int) []byte {
	var b modBuilder
	t := b.typ([]byte{I32}, []byte{I32})
	var c []byte
	c = append(c, code(opLocalGet, 0, byte(0x45), opIf, byte(0x40), opI32Const, 0, opReturn, opEnd)...)
	for i := 0; i < height; i++ {
		c = append(c, code(opLocalGet, 0, opI32Const, i, opI32Add)...)
	}
	c = append(c, code(opLocalGet, 0, opI32Const, 1, opI32Sub, opCall, 0)...)
	for i := 0; i < height; i++ {
		c = append(c, opI32Add)
	}
	c = append(c, opEnd)
	b.fn(t, nil, c)
	b.export("run", KindFunc, 0)
	return b.bytes()
}

// manyCallSites returns run(n) that, before recursing, makes `sites` calls
// to a leaf, each with two values live across it.
func manyCallSites(sites int) []byte {
	var b modBuilder
	t := b.typ([]byte{I32}, []byte{I32})
	var c []byte
	c = append(c, code(opLocalGet, 0, byte(0x45), opIf, byte(0x40), opI32Const, 0, opReturn, opEnd)...)
	c = append(c, code(opI32Const, 0)...)
	for i := 0; i < sites; i++ {
		// acc = acc + (n+i) + leaf(n): (n+i) and acc are live across the call
		c = append(c, code(opLocalGet, 0, opI32Const, i, opI32Add, opLocalGet, 0, opCall, 1, opI32Add, opI32Add)...)
	}
	c = append(c, code(opLocalGet, 0, opI32Const, 1, opI32Sub, opCall, 0, opI32Add)...)
	c = append(c, opEnd)
	b.fn(t, nil, c)
	b.fn(t, nil, code(opLocalGet, 0, opEnd))
	b.export("run", KindFunc, 0)
	return b.bytes()
}

// diamonds returns run(n) with `locals` locals reassigned in both arms of
// `k` if/else diamonds (phi nodes at each merge), all live across the
// recursive call.
func diamonds(locals, k int) []byte {
	var b modBuilder
	t := b.typ([]byte{I32}, []byte{I32})
	var c []byte
	c = append(c, code(opLocalGet, 0, byte(0x45), opIf, byte(0x40), opI32Const, 0, opReturn, opEnd)...)
	for d := 0; d < k; d++ {
		c = append(c, code(opLocalGet, 0, opI32Const, d, opI32Add, opI32Const, 1, byte(0x71), opIf, byte(0x40))...)
		for i := 1; i <= locals; i++ {
			c = append(c, code(opLocalGet, i, opI32Const, d+i, opI32Add, byte(0x21), i)...)
		}
		c = append(c, opElse)
		for i := 1; i <= locals; i++ {
			c = append(c, code(opLocalGet, i, opI32Const, d*i+1, opI32Sub, byte(0x21), i)...)
		}
		c = append(c, opEnd)
	}
	c = append(c, code(opLocalGet, 0, opI32Const, 1, opI32Sub, opCall, 0)...)
	for i := 1; i <= locals; i++ {
		c = append(c, code(opLocalGet, i, opI32Add)...)
	}
	c = append(c, opEnd)
	var l writer
	l.u32(1)
	l.u32(uint32(locals))
	l.byte(I32)
	b.fn(t, l.b, c)
	b.export("run", KindFunc, 0)
	return b.bytes()
}

// TestFrameCostCoversCompiledFrames runs functions that keep many values
// alive across a recursive call until wazero's own stack limit stops them,
// and checks that FrameCost charges at least what each frame really took.
// wazero grows a call's stack by doubling from 10 KiB and fails the first
// growth beyond 50 MB, so the stack is at most 100 MB when it overflows.
func TestFrameCostCoversCompiledFrames(t *testing.T) {
	if testing.Short() {
		t.Skip("overflows a 100 MB stack per case")
	}
	const stackAtOverflow = 100 << 20
	for _, c := range []struct {
		name string
		wasm []byte
	}{
		{"no locals", recursion(0)}, {"1000 locals", recursion(1000)},
		{"1000 operands", heightAcrossCall(1000)}, {"1000 call sites", manyCallSites(1000)},
		{"100 locals × 30 diamonds", diamonds(100, 30)},
	} {
		t.Run(c.name, func(t *testing.T) {
			o := Options{StackBudget: 1<<31 - 1, StackSoft: 1<<31 - 1}
			tr := newTestRuntime(t, o)
			mod := tr.load(t, c.wasm)
			mod.ExportedGlobal(FuelExport).(api.MutableGlobal).Set(1 << 30)
			_, err := mod.ExportedFunction("run").Call(context.Background(), 1<<30)
			if err == nil {
				t.Fatal("the recursion did not overflow")
			}
			m, err := Parse(c.wasm, Limits{})
			if err != nil {
				t.Fatal(err)
			}
			b := m.Bodies[0]
			cost := FrameCost(1, 1, b.NumLocals+1, b.stats.instrs)
			depth := int64(o.StackBudget-int32(mod.ExportedGlobal(BudgetExport).Get())) / int64(cost)
			perFrame := stackAtOverflow / depth
			t.Logf("depth %d at overflow: at most %d bytes per frame; charged %d", depth, perFrame, int64(cost)*StackUnit)
			if int64(cost)*StackUnit < perFrame {
				t.Errorf("charged %d bytes per frame, the compiled frame takes up to %d", int64(cost)*StackUnit, perFrame)
			}
		})
	}
}
