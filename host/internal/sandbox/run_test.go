package sandbox

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// testRuntime runs instrumented modules the way the engine does: a
// hostd_sandbox host module whose yield refills the fuel with refill
// units and aborts the call once abortAt yields happened.
type testRuntime struct {
	rt      wazero.Runtime
	refill  uint64
	yields  atomic.Int64
	abortAt int64 // yield number that aborts the call; 0: never
	minLeft atomic.Int64
	opts    Options
}

var errAborted = errors.New("aborted by yield")
var errOverflow = errors.New("stack budget exhausted")

func newTestRuntime(t *testing.T, o Options) *testRuntime {
	t.Helper()
	ctx := context.Background()
	tr := &testRuntime{rt: wazero.NewRuntime(ctx), opts: o}
	tr.minLeft.Store(int64(o.StackBudget))
	t.Cleanup(func() { tr.rt.Close(ctx) })
	_, err := tr.rt.NewHostModuleBuilder(ImportModule).
		NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(func(ctx context.Context, m api.Module, _ []uint64) {
		n := tr.yields.Add(1)
		if tr.abortAt > 0 && n >= tr.abortAt {
			panic(errAborted)
		}
		m.ExportedGlobal(FuelExport).(api.MutableGlobal).Set(tr.refill)
	}), nil, nil).Export(YieldFunc).
		NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(func(ctx context.Context, m api.Module, stack []uint64) {
		left := int64(api.DecodeI32(stack[0]))
		for {
			cur := tr.minLeft.Load()
			if left >= cur || tr.minLeft.CompareAndSwap(cur, left) {
				break
			}
		}
		if left < 0 {
			panic(errOverflow)
		}
	}), []api.ValueType{api.ValueTypeI32}, nil).Export(StackFunc).
		Instantiate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// load parses, instruments and instantiates wasm.
func (tr *testRuntime) load(t *testing.T, wasm []byte) api.Module {
	t.Helper()
	m, err := Parse(wasm, Limits{})
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	out, err := Instrument(m, tr.opts)
	if err != nil {
		t.Fatalf("instrument: %v", err)
	}
	mod, err := tr.rt.InstantiateWithConfig(context.Background(), out, wazero.NewModuleConfig().WithName(""))
	if err != nil {
		t.Fatalf("instantiate: %v", err)
	}
	t.Cleanup(func() { mod.Close(context.Background()) })
	return mod
}

// callTree returns a module exporting "run": f0 calls f1 twice, ... f(n-1)
// returns: 2^n calls, no loops.
func callTree(levels int) []byte {
	var b modBuilder
	t := b.typ(nil, nil)
	for i := 0; i < levels; i++ {
		next := i + 1
		if i == levels-1 {
			b.fn(t, nil, []byte{opEnd})
			break
		}
		b.fn(t, nil, code(opCall, next, opCall, next, opEnd))
	}
	b.export("run", KindFunc, 0)
	return b.bytes()
}

func TestCallTreeYields(t *testing.T) {
	tr := newTestRuntime(t, Options{StackBudget: 1 << 20})
	mod := tr.load(t, callTree(40))
	run := mod.ExportedFunction("run")
	// With a fuel of 10000 units (640000 instructions), the tree must yield
	// a thousand times within a few million calls.
	tr.refill, tr.abortAt = 10000, 1000
	_, err := run.Call(context.Background())
	if !errors.Is(err, errAborted) {
		t.Fatalf("a 2^40-call tree: got %v, want the yield's abort", err)
	}
}

func TestCallTreeCompletesWithEnoughFuel(t *testing.T) {
	tr := newTestRuntime(t, Options{StackBudget: 1 << 20})
	mod := tr.load(t, callTree(12))
	mod.ExportedGlobal(FuelExport).(api.MutableGlobal).Set(1 << 30)
	if _, err := mod.ExportedFunction("run").Call(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := tr.yields.Load(); n != 0 {
		t.Fatalf("%d yields with fuel to spare, want 0", n)
	}
	if got := int32(mod.ExportedGlobal(BudgetExport).Get()); got != tr.opts.StackBudget {
		t.Fatalf("budget after the call %d, want it restored to %d", got, tr.opts.StackBudget)
	}
}

// recursion returns a module exporting "run" (i32) -> i32 that recurses n
// times with locals live across each call.
func recursion(locals int) []byte {
	var b modBuilder
	t := b.typ([]byte{I32}, []byte{I32})
	var c []byte
	// if n == 0 return 0
	c = append(c, code(opLocalGet, 0, byte(0x45), opIf, byte(0x40), opI32Const, 0, opReturn, opEnd)...)
	for i := 1; i <= locals; i++ { // local_i = n + i
		c = append(c, code(opLocalGet, 0, opI32Const, i, opI32Add, byte(0x21), i)...)
	}
	c = append(c, code(opLocalGet, 0, opI32Const, 1, opI32Sub, opCall, 0)...) // run(n-1)
	for i := 1; i <= locals; i++ {
		c = append(c, code(opLocalGet, i, opI32Add)...)
	}
	c = append(c, opEnd)
	var l writer
	if locals > 0 {
		l.u32(1)
		l.u32(uint32(locals))
		l.byte(I32)
	} else {
		l.u32(0)
	}
	b.fn(t, l.b, c)
	b.export("run", KindFunc, 0)
	return b.bytes()
}

func TestRecursionIsBounded(t *testing.T) {
	o := Options{StackBudget: 100000}
	tr := newTestRuntime(t, o)
	mod := tr.load(t, recursion(10))
	mod.ExportedGlobal(FuelExport).(api.MutableGlobal).Set(1 << 30)
	run := mod.ExportedFunction("run")
	// Shallow: works, returns the same value as uninstrumented code would.
	res, err := run.Call(context.Background(), 100)
	if err != nil {
		t.Fatal(err)
	}
	want := uint64(0)
	for n := 1; n <= 100; n++ {
		for i := 1; i <= 10; i++ {
			want += uint64(n + i)
		}
	}
	if uint32(res[0]) != uint32(want) {
		t.Fatalf("run(100) = %d, want %d", uint32(res[0]), uint32(want))
	}
	// Deep: stopped by the budget, long before wazero's own 400 MB limit.
	m, _ := Parse(recursion(10), Limits{})
	cost := FrameCost(1, 1, 11, m.Bodies[0].stats.instrs)
	_, err = run.Call(context.Background(), uint64(o.StackBudget/cost*2))
	if !errors.Is(err, errOverflow) {
		t.Fatalf("deep recursion: got %v, want the budget's overflow", err)
	}
}
