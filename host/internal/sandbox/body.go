package sandbox

import "fmt"

const (
	// leafMaxInstrs and leafMaxLocals bound the functions left
	// uninstrumented: a function without loops, calls and bulk
	// instructions runs each instruction at most once per call, so a short
	// one needs no check, and its frame (never charged) stays small.
	leafMaxInstrs = 4096
	leafMaxLocals = 1024

	// FuelUnit is how many instructions one unit of fuel stands for.
	FuelUnit = 64
	// bulkShift: a bulk instruction burns one unit per 1<<bulkShift bytes
	// (or table elements) it touches.
	bulkShift = 10
)

// isLeaf reports whether a body is copied without instrumentation.
func isLeaf(st funcStats, locals uint64) bool {
	return st.loops == 0 && st.calls == 0 && st.bulk == 0 && st.instrs <= leafMaxInstrs && locals <= leafMaxLocals
}

// StackUnit is the size in bytes of one unit of the stack budget.
const StackUnit = 16

// FrameCost returns the stack units charged for one activation of a
// function with these parameters, results, declared locals and
// instructions. wazero's compiler gives every value that lives across a
// call its own spill slot, so a frame grows with the locals and with the
// values the code computes: measured at most ≈ 8 bytes per local and ≈ 2
// bytes per instruction (TestFrameCostCoversCompiledFrames). The charge
// is 16 bytes per parameter, result and local, 8 per instruction and 64
// for the frame itself.
func FrameCost(params, results int, locals, instrs uint64) int32 {
	c := 4 + uint64(params+results) + locals + (instrs+1)/2
	if c > 1<<30 {
		c = 1 << 30
	}
	return int32(c)
}

// leafFuel returns the fuel a call to function idx burns for its callee: a
// leaf's instructions, since it has no check of its own; nothing for an
// instrumented function or an import (host functions are Go code).
func (x *rewriter) leafFuel(idx uint32) int32 {
	if idx < x.numImports {
		return 0
	}
	b := &x.m.Bodies[idx-x.numImports]
	if !isLeaf(b.stats, b.NumLocals) {
		return 0
	}
	return int32(b.stats.instrs / FuelUnit)
}

// body returns the rewritten function body (local declarations and code).
func (x *rewriter) body(fn uint32, b *Body) ([]byte, error) {
	t := x.m.FuncType(fn)
	leaf := isLeaf(b.stats, b.NumLocals)
	scratch := uint32(0) // local holding a bulk instruction's length
	var w writer
	decls := len(b.Locals)
	if !leaf && b.stats.bulk > 0 {
		scratch = uint32(uint64(len(t.Params)) + b.NumLocals)
		decls++
	}
	w.u32(uint32(decls))
	for _, l := range b.Locals {
		w.u32(l.Count)
		w.byte(l.Type)
	}
	if decls > len(b.Locals) {
		w.u32(1)
		w.byte(I32)
	}
	cost := FrameCost(len(t.Params), len(t.Results), b.NumLocals+1, b.stats.instrs)
	if !leaf {
		x.prologue(&w, cost, fuelFor(b.stats.instrs))
		// The original code runs in a block with the function's results, so
		// that every way out of it (falling off the end, br to the
		// outermost label, return rewritten as br) reaches the epilogue.
		w.byte(opBlock)
		x.blockType(&w, t.Results)
	}
	if err := x.code(&w, b, leaf, scratch); err != nil {
		return nil, fmt.Errorf("sandbox: function %d: %w", fn, err)
	}
	if !leaf {
		x.epilogue(&w, cost)
		w.byte(opEnd)
	}
	return w.b, nil
}

// fuelFor is the fuel a check burns when n instructions may run before
// the next one.
func fuelFor(n uint64) int32 { return int32(1 + min(n, 1<<36)/FuelUnit) }

func (x *rewriter) blockType(w *writer, results []byte) {
	switch len(results) {
	case 0:
		w.byte(0x40)
	case 1:
		w.byte(results[0])
	default:
		w.s64(int64(x.typeIndex(FuncType{Results: results})))
	}
}

// prologue charges the frame to the stack budget and burns the entry fuel.
func (x *rewriter) prologue(w *writer, cost, fuel int32) {
	x.add(w, x.budget, -cost)
	// if budget < budget0 - soft { stack(budget) }
	w.byte(opGlobalGet)
	w.u32(x.budget)
	w.byte(opI32Const)
	w.s64(int64(x.o.StackBudget - x.o.StackSoft))
	w.byte(opI32LtS)
	w.byte(opIf)
	w.byte(0x40)
	w.byte(opGlobalGet)
	w.u32(x.budget)
	w.byte(opCall)
	w.u32(x.stck)
	w.byte(opEnd)
	x.check(w, fuel)
}

// epilogue gives the frame back.
func (x *rewriter) epilogue(w *writer, cost int32) { x.add(w, x.budget, cost) }

// add emits global += v.
func (x *rewriter) add(w *writer, global uint32, v int32) {
	w.byte(opGlobalGet)
	w.u32(global)
	w.byte(opI32Const)
	w.s64(int64(v))
	w.byte(opI32Add)
	w.byte(opGlobalSet)
	w.u32(global)
}

// check burns fuel and calls yield when none is left. It leaves the
// operand stack as it found it, so it is valid anywhere, unreachable code
// included.
func (x *rewriter) check(w *writer, fuel int32) {
	x.add(w, x.fuel, -fuel)
	x.yieldIfEmpty(w)
}

func (x *rewriter) yieldIfEmpty(w *writer) {
	w.byte(opGlobalGet)
	w.u32(x.fuel)
	w.byte(opI32Const)
	w.byte(0)
	w.byte(opI32LtS)
	w.byte(opIf)
	w.byte(0x40)
	w.byte(opCall)
	w.u32(x.yield)
	w.byte(opEnd)
}

// bulkCheck burns fuel for the length a bulk instruction worked on (saved
// in the scratch local before it ran) and the rest of the function.
func (x *rewriter) bulkCheck(w *writer, scratch uint32, fuel int32) {
	// fuel = fuel - (len >> bulkShift) - fuel
	w.byte(opGlobalGet)
	w.u32(x.fuel)
	w.byte(opLocalGet)
	w.u32(scratch)
	w.byte(opI32Const)
	w.byte(bulkShift)
	w.byte(opI32ShrU)
	w.byte(opI32Sub)
	w.byte(opI32Const)
	w.s64(int64(fuel))
	w.byte(opI32Sub)
	w.byte(opGlobalSet)
	w.u32(x.fuel)
	x.yieldIfEmpty(w)
}

// code copies a function's instructions, renumbering function indices
// and, unless the function is a leaf, turning return into a branch to the
// wrapping block and adding checks after loop headers, calls and bulk
// instructions.
func (x *rewriter) code(w *writer, b *Body, leaf bool, scratch uint32) error {
	r := reader{b: b.Code}
	var in insn
	depth := uint32(0) // open blocks inside the function
	n := uint64(0)     // instructions copied
	for !r.done() {
		decode(&r, x.m, &in)
		if r.err != nil {
			return r.err
		}
		n++
		rest := fuelFor(b.stats.instrs - min(n, b.stats.instrs))
		bulk := !leaf && in.isBulk()
		helper, chunked := uint32(0), false
		if bulk {
			helper, chunked = x.bulkHelper(&in)
		}
		if bulk && !chunked {
			// The length is the instruction's last operand: keep a copy.
			w.byte(opLocalTee)
			w.u32(scratch)
		}
		switch {
		case chunked:
			w.byte(opCall)
			w.u32(helper)
		case in.op == opCall:
			w.byte(opCall)
			w.u32(x.fn(in.idx))
		case in.op == opRefFunc:
			w.byte(opRefFunc)
			w.u32(x.fn(in.idx))
		case in.op == opReturn:
			if leaf {
				w.byte(opReturn)
			} else {
				w.byte(opBr)
				w.u32(depth)
			}
		default:
			w.raw(b.Code[in.start:in.end])
		}
		switch {
		case in.op == opBlock || in.op == opIf:
			depth++
		case in.op == opLoop:
			depth++
			if !leaf {
				x.check(w, rest)
			}
		case in.op == opEnd:
			depth--
		case leaf:
		case chunked: // the helper burnt fuel for its chunks
			x.check(w, rest)
		case in.op == opCall:
			x.check(w, rest+x.leafFuel(in.idx))
		case in.op == opCallIndirect:
			x.check(w, rest+leafMaxInstrs/FuelUnit)
		case bulk:
			x.bulkCheck(w, scratch, rest)
		}
	}
	return r.err
}
