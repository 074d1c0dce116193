package sandbox

// Bulk memory instructions run as one uninterruptible stretch of machine
// code: wazero fills and copies with the Go runtime's memmove, called from
// compiled code, so a 32 MiB memory.fill is milliseconds during which the
// Go runtime cannot stop the goroutine (a garbage collection waits with
// every other goroutine stopped), more when it faults its pages in. The
// instrumentation therefore replaces memory.fill, memory.copy and
// memory.init with calls to functions it adds, which check the bounds
// first (so that an out-of-bounds instruction still traps before it
// writes anything, as the specification requires) and then work in
// chunks of bulkChunk bytes, burning fuel after each.

const (
	bulkChunk = 64 << 10
	// bulkChunkFuel is what a chunk burns: one unit per 256 bytes, so
	// that a fuel slice covers at most 2.5 MiB of filling or copying.
	bulkChunkFuel = bulkChunk >> 8
)

// Opcodes of the helpers' code.
const (
	opLocalSet   = 0x21
	opI64ExtendU = 0xad
	opI64Add     = 0x7c
	opI64Shl     = 0x86
	opI64GtU     = 0x56
	opI64Const64 = 0x42
	opI32LeU     = 0x4d
	opMemorySize = 0x3f
	opI32GtU     = 0x4b
	helperFill   = "fill"
	helperCopy   = "copy"
	helperInit   = "init"
)

// extraFunc is a function the instrumentation adds.
type extraFunc struct {
	kind string
	seg  uint32 // memory.init's data segment
}

// helper returns the function index of the helper replacing a bulk
// instruction, adding it on first use.
func (x *rewriter) helper(kind string, seg uint32) uint32 {
	for i, f := range x.extra {
		if f.kind == kind && f.seg == seg {
			return x.extraBase + uint32(i)
		}
	}
	x.extra = append(x.extra, extraFunc{kind: kind, seg: seg})
	return x.extraBase + uint32(len(x.extra)-1)
}

// bulkHelper returns the helper for a bulk instruction, or false if it is
// not one that is chunked.
func (x *rewriter) bulkHelper(in *insn) (uint32, bool) {
	if in.op != opPrefixFC {
		return 0, false
	}
	switch in.sub {
	case fcMemoryFill:
		return x.helper(helperFill, 0), true
	case fcMemoryCopy:
		return x.helper(helperCopy, 0), true
	case fcMemoryInit:
		return x.helper(helperInit, in.idx), true
	}
	return 0, false
}

// helperBody returns the code (with its local declarations) of f. The
// parameters are the instruction's operands: 0 = destination, 1 = value
// or source, 2 = length.
func (x *rewriter) helperBody(f extraFunc) []byte {
	var w writer
	w.u32(0) // no locals
	op := func(b ...byte) { w.raw(b) }
	get := func(i byte) { op(opLocalGet, i) }
	set := func(i byte) { op(opLocalSet, i) }
	u64 := func(i byte) { get(i); op(opI64ExtendU) }
	trapIf := func() { op(opIf, 0x40, opUnreachable, opEnd) }
	chunk := func() { w.byte(opI32Const); w.s64(bulkChunk) }
	instr := func() { // the original instruction on (local 0, local 1, <len on the stack>)
		switch f.kind {
		case helperFill:
			op(opPrefixFC, fcMemoryFill, 0)
		case helperCopy:
			op(opPrefixFC, fcMemoryCopy, 0, 0)
		case helperInit:
			op(opPrefixFC, fcMemoryInit)
			w.u32(f.seg)
			op(0)
		}
	}
	memBytes := func() { op(opMemorySize, 0, opI64ExtendU, opI64Const64, 16, opI64Shl) }
	// trap unless local p + length fits the memory
	inMemory := func(p byte) {
		u64(p)
		u64(2)
		op(opI64Add)
		memBytes()
		op(opI64GtU)
		trapIf()
	}
	// Bounds, before anything is written.
	switch f.kind {
	case helperFill:
		inMemory(0)
	case helperCopy:
		inMemory(0)
		inMemory(1)
	case helperInit:
		// memory.init with length 0 at the far end checks both ranges; the
		// ends must first fit 32 bits.
		for _, p := range []byte{0, 1} {
			u64(p)
			u64(2)
			op(opI64Add)
			op(opI64Const64)
			w.s64(1<<32 - 1)
			op(opI64GtU)
			trapIf()
		}
		get(0)
		get(2)
		op(opI32Add)
		get(1)
		get(2)
		op(opI32Add)
		op(opI32Const, 0)
		instr()
	}
	backward := f.kind == helperCopy
	if backward {
		// if dst > src, copy the last chunk first
		get(0)
		get(1)
		op(opI32GtU)
		op(opIf, 0x40)
		op(opBlock, 0x40, opLoop, 0x40)
		get(2)
		chunk()
		op(opI32LeU)
		op(opBrIf, 1)
		get(2)
		chunk()
		op(opI32Sub)
		set(2)
		get(0)
		get(2)
		op(opI32Add)
		get(1)
		get(2)
		op(opI32Add)
		chunk()
		instr()
		x.check(&w, bulkChunkFuel)
		op(opBr, 0, opEnd, opEnd)
		get(0)
		get(1)
		get(2)
		instr()
		op(opReturn, opEnd)
	}
	// forward
	op(opBlock, 0x40, opLoop, 0x40)
	get(2)
	chunk()
	op(opI32LeU)
	op(opBrIf, 1)
	get(0)
	get(1)
	chunk()
	instr()
	get(0)
	chunk()
	op(opI32Add)
	set(0)
	if f.kind != helperFill {
		get(1)
		chunk()
		op(opI32Add)
		set(1)
	}
	get(2)
	chunk()
	op(opI32Sub)
	set(2)
	x.check(&w, bulkChunkFuel)
	op(opBr, 0, opEnd, opEnd)
	get(0)
	get(1)
	get(2)
	instr()
	op(opEnd)
	return w.b
}
