package sandbox

import "fmt"

// Limits bounds every dimension of a module that drives the time or memory
// the host spends compiling or instantiating it. A zero field takes the
// default written on it (DefaultLimits); the defaults admit every plugin
// the Go and TinyGo toolchains produce, with room to spare, and nothing
// that costs more than a few seconds or a few hundred MiB to compile.
type Limits struct {
	Types          uint32 // default 10000 function types
	TypeArity      uint32 // parameters plus results of one type; default 1000
	Imports        uint32 // default 1000
	Functions      uint32 // defined functions; default 200000
	Tables         uint32 // default 16
	TableElements  uint32 // initial and maximum size of each table; default 100000
	MemoryPages    uint32 // initial size of the memory; default 65536 (set it to the memory limit)
	Globals        uint32 // defined globals; default 1000
	Exports        uint32 // default 10000
	ElemSegments   uint32 // default 10000
	ElemItems      uint32 // items of all element segments; default 1000000
	DataSegments   uint32 // default 100000
	DataBytes      uint32 // bytes of all data segments; default 64 MiB (set it to the memory limit)
	FunctionBytes  uint32 // body size of one function; default 8 MiB
	Locals         uint32 // locals of one function (parameters included); default 50000
	TotalLocals    uint64 // locals of all functions together; default 4000000
	Nesting        uint32 // depth of nested blocks, loops and ifs in one function; default 1024
	BrTableTargets uint32 // targets of one br_table; default 65536
	// BranchLocals bounds, per function, the number of branch edges
	// (br, br_if, br_table targets, if, else) times the function's locals:
	// the size of the SSA form a compiler builds. Default 200000000.
	BranchLocals uint64
}

// DefaultLimits returns the limits that zero fields of Limits stand for.
func DefaultLimits() Limits {
	return Limits{}.withDefaults()
}

func (l Limits) withDefaults() Limits {
	def := func(v *uint32, d uint32) {
		if *v == 0 {
			*v = d
		}
	}
	def(&l.Types, 10000)
	def(&l.TypeArity, 1000)
	def(&l.Imports, 1000)
	def(&l.Functions, 200000)
	def(&l.Tables, 16)
	def(&l.TableElements, 100000)
	def(&l.MemoryPages, 65536)
	def(&l.Globals, 1000)
	def(&l.Exports, 10000)
	def(&l.ElemSegments, 10000)
	def(&l.ElemItems, 1000000)
	def(&l.DataSegments, 100000)
	def(&l.DataBytes, 64<<20)
	def(&l.FunctionBytes, 8<<20)
	def(&l.Locals, 50000)
	def(&l.Nesting, 1024)
	def(&l.BrTableTargets, 65536)
	if l.TotalLocals == 0 {
		l.TotalLocals = 4000000
	}
	if l.BranchLocals == 0 {
		l.BranchLocals = 200000000
	}
	return l
}

// LimitError reports the first dimension of a module that is over its
// limit. It is the error an uploader sees, so it names the dimension.
type LimitError struct {
	What     string // e.g. "locals of function 3"
	Got, Max uint64
	Msg      string // when set, the whole message
}

func (e *LimitError) Error() string {
	if e.Msg != "" {
		return e.Msg
	}
	return fmt.Sprintf("%s: %d, the limit is %d", e.What, e.Got, e.Max)
}

func over(what string, got, max uint64) error {
	if got > max {
		return &LimitError{What: what, Got: got, Max: max}
	}
	return nil
}
