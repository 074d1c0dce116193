package sandbox

import (
	"errors"
	"fmt"
)

// Names of what the instrumented module imports and exports. A guest may
// not use them itself (Instrument refuses such a module).
const (
	// ImportModule is the host module of the instrumentation's functions.
	ImportModule = "hostd_sandbox"
	// YieldFunc, type () -> (), is called when the instance's fuel ran
	// out. It may trap (deadline, cancellation) and refills the fuel.
	YieldFunc = "yield"
	// StackFunc, type (i32) -> (), is called with the remaining stack
	// budget when a call went past the soft depth; it traps when the
	// budget is exhausted.
	StackFunc = "stack"
	// FuelExport is the exported (mut i32) global holding the instance's
	// fuel: the work it may do before it calls yield (see FuelUnit).
	FuelExport = "hostd_sandbox.fuel"
	// BudgetExport is the exported (mut i32) global holding the remaining
	// stack budget, in units of Options.StackUnit bytes.
	BudgetExport = "hostd_sandbox.budget"
)

// Options parameterise Instrument.
type Options struct {
	// StackBudget is the stack a call may use, in stack units (see
	// FrameCost). Must be positive.
	StackBudget int32
	// StackSoft is the stack a call may use before each further call
	// reports its depth to StackFunc (so the host can recycle an instance
	// whose stack grew). 0 means StackBudget/8.
	StackSoft int32
}

// Instrument rewrites a parsed module so that it can always be
// interrupted and its call stack is bounded:
//
//   - every function that loops, calls or copies memory burns fuel at its
//     entry, at every loop header, after every call and after every bulk
//     memory or table instruction, and calls YieldFunc when the fuel runs
//     out. Each check burns a unit per FuelUnit instructions the code may
//     run before the next check (the rest of the function: control only
//     moves forward between checks), a bulk instruction one more per KiB
//     it copies or fills, so that a fuel of F units is at most F × FuelUnit
//     instructions of work however the code is shaped;
//   - every such function subtracts its frame cost from the stack budget
//     at entry (calling StackFunc once the soft limit is passed) and adds
//     it back on every exit;
//   - runs of active data segments that follow each other in memory are
//     merged (mergedData): the same initial memory in fewer segments;
//   - function indices are shifted by the two imported functions; the
//     name section keeps module, function and local names; other custom
//     sections are dropped.
//
// Functions without loops, calls or bulk instructions (leaves) run a
// bounded number of instructions and are copied as they are; the check
// after a call to one burns fuel for it.
func Instrument(m *Module, o Options) ([]byte, error) {
	if o.StackBudget <= 0 {
		return nil, errors.New("sandbox: stack budget must be positive")
	}
	if o.StackSoft <= 0 || o.StackSoft > o.StackBudget {
		o.StackSoft = o.StackBudget / 8
	}
	for _, e := range m.Exports {
		if e.Name == FuelExport || e.Name == BudgetExport {
			return nil, fmt.Errorf("sandbox: the module exports %q, a name reserved for the host", e.Name)
		}
	}
	for _, im := range m.Imports {
		if im.Module == ImportModule {
			return nil, fmt.Errorf("sandbox: the module imports %s.%s, a module reserved for the host", im.Module, im.Name)
		}
	}
	x := newRewriter(m, o)
	return x.module()
}

type rewriter struct {
	m *Module
	o Options

	types       []FuncType // m.Types plus what the instrumentation adds
	yieldType   uint32
	stackType   uint32
	yield, stck uint32 // function indices of the imports
	numImports  uint32
	fuel        uint32 // global indices
	budget      uint32
	extra       []extraFunc // functions added after the module's own (bulk.go)
	extraBase   uint32      // index of the first
}

func newRewriter(m *Module, o Options) *rewriter {
	x := &rewriter{m: m, o: o, types: append([]FuncType(nil), m.Types...)}
	x.yieldType = x.typeIndex(FuncType{})
	x.stackType = x.typeIndex(FuncType{Params: []byte{I32}})
	x.numImports = uint32(len(m.Imports))
	x.yield, x.stck = x.numImports, x.numImports+1
	x.fuel = uint32(len(m.Globals))
	x.budget = x.fuel + 1
	x.extraBase = x.numImports + 2 + uint32(len(m.Funcs))
	return x
}

// typeIndex returns the index of an identical type, appending it if needed.
func (x *rewriter) typeIndex(t FuncType) uint32 {
	for i, have := range x.types {
		if have.equal(t) {
			return uint32(i)
		}
	}
	x.types = append(x.types, t)
	return uint32(len(x.types) - 1)
}

func (x *rewriter) fn(idx uint32) uint32 {
	if idx < x.numImports {
		return idx
	}
	return idx + 2
}

func (x *rewriter) module() ([]byte, error) {
	m := x.m
	// Bodies first: they may add block types to the type section.
	code := make([][]byte, len(m.Bodies))
	for i := range m.Bodies {
		b, err := x.body(uint32(len(m.Imports)+i), &m.Bodies[i])
		if err != nil {
			return nil, err
		}
		code[i] = b
	}
	bulkType := uint32(0)
	if len(x.extra) > 0 {
		bulkType = x.typeIndex(FuncType{Params: []byte{I32, I32, I32}})
	}
	for _, f := range x.extra {
		code = append(code, x.helperBody(f))
	}
	w := writer{b: make([]byte, 0, m.size+m.size/4+256)}
	w.raw([]byte{0, 'a', 's', 'm', 1, 0, 0, 0})
	w.section(secType, func(s *writer) {
		s.u32(uint32(len(x.types)))
		for _, t := range x.types {
			s.byte(0x60)
			s.bytesVec(t.Params)
			s.bytesVec(t.Results)
		}
	})
	w.section(secImport, func(s *writer) {
		s.u32(uint32(len(m.Imports) + 2))
		for _, im := range m.Imports {
			s.name(im.Module)
			s.name(im.Name)
			s.byte(KindFunc)
			s.u32(im.Type)
		}
		for _, f := range []struct {
			name string
			t    uint32
		}{{YieldFunc, x.yieldType}, {StackFunc, x.stackType}} {
			s.name(ImportModule)
			s.name(f.name)
			s.byte(KindFunc)
			s.u32(f.t)
		}
	})
	if len(m.Funcs)+len(x.extra) > 0 {
		w.section(secFunction, func(s *writer) {
			s.u32(uint32(len(m.Funcs) + len(x.extra)))
			for _, t := range m.Funcs {
				s.u32(t)
			}
			for range x.extra {
				s.u32(bulkType)
			}
		})
	}
	if len(m.Tables) > 0 {
		w.section(secTable, func(s *writer) {
			s.u32(uint32(len(m.Tables)))
			for _, t := range m.Tables {
				s.byte(t.RefType)
				limits(s, t.Min, t.Max, t.HasMax)
			}
		})
	}
	if len(m.Memories) > 0 {
		w.section(secMemory, func(s *writer) {
			s.u32(uint32(len(m.Memories)))
			for _, mem := range m.Memories {
				limits(s, mem.Min, mem.Max, mem.HasMax)
			}
		})
	}
	w.section(secGlobal, func(s *writer) {
		s.u32(uint32(len(m.Globals) + 2))
		for _, g := range m.Globals {
			s.byte(g.Type)
			s.byte(b2u(g.Mutable))
			x.constExpr(s, g.Init)
		}
		s.raw([]byte{I32, 1, opI32Const, 0, opEnd}) // fuel: the host fills it before each call
		s.raw([]byte{I32, 1, opI32Const})
		s.s64(int64(x.o.StackBudget))
		s.byte(opEnd)
	})
	w.section(secExport, func(s *writer) {
		s.u32(uint32(len(m.Exports) + 2))
		for _, e := range m.Exports {
			s.name(e.Name)
			s.byte(e.Kind)
			if e.Kind == KindFunc {
				s.u32(x.fn(e.Index))
			} else {
				s.u32(e.Index)
			}
		}
		s.name(FuelExport)
		s.byte(KindGlobal)
		s.u32(x.fuel)
		s.name(BudgetExport)
		s.byte(KindGlobal)
		s.u32(x.budget)
	})
	if m.HasStart {
		w.section(secStart, func(s *writer) { s.u32(x.fn(m.Start)) })
	}
	if len(m.Elems) > 0 {
		w.section(secElement, x.elements)
	}
	if m.HasDataCount {
		w.section(secDataCount, func(s *writer) { s.u32(m.DataCount) })
	}
	if len(code) > 0 {
		w.section(secCode, func(s *writer) {
			s.u32(uint32(len(code)))
			for _, c := range code {
				s.bytesVec(c)
			}
		})
	}
	if data := mergedData(m); len(data) > 0 {
		w.section(secData, func(s *writer) {
			s.u32(uint32(len(data)))
			for _, d := range data {
				if d.Passive {
					s.u32(1)
				} else {
					s.u32(0)
					x.constExpr(s, d.Offset)
				}
				s.bytesVec(d.Init)
			}
		})
	}
	x.names(&w)
	return w.b, nil
}

func b2u(b bool) byte {
	if b {
		return 1
	}
	return 0
}

func limits(s *writer, min, max uint32, hasMax bool) {
	if hasMax {
		s.byte(1)
		s.u32(min)
		s.u32(max)
		return
	}
	s.byte(0)
	s.u32(min)
}

// constExpr writes e with its index renumbered.
func (x *rewriter) constExpr(s *writer, e ConstExpr) {
	s.byte(e.Op)
	switch e.Op {
	case opRefFunc:
		s.u32(x.fn(e.Index))
	case opGlobalGet:
		s.u32(e.Index)
	default:
		s.raw(e.Raw)
	}
	s.byte(opEnd)
}

func (x *rewriter) elements(s *writer) {
	s.u32(uint32(len(x.m.Elems)))
	for _, e := range x.m.Elems {
		// Write every segment in the explicit encoding of its mode:
		// active 2/6 (table index, offset, kind), passive 1/5, declarative 3/7.
		flags := [...]uint32{2, 1, 3}[e.Mode]
		if e.exprs {
			flags |= 4
		}
		s.u32(flags)
		if e.Mode == 0 {
			s.u32(e.Table)
			x.constExpr(s, e.Offset)
		}
		if e.exprs {
			s.byte(e.RefType)
			s.u32(uint32(len(e.Exprs)))
			for _, it := range e.Exprs {
				x.constExpr(s, it)
			}
			continue
		}
		s.byte(0x00)
		s.u32(uint32(len(e.Funcs)))
		for _, f := range e.Funcs {
			s.u32(x.fn(f))
		}
	}
}
