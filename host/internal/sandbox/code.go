package sandbox

import (
	"fmt"
)

// Opcodes the instrumentation looks at.
const (
	opUnreachable  = 0x00
	opBlock        = 0x02
	opLoop         = 0x03
	opIf           = 0x04
	opElse         = 0x05
	opEnd          = 0x0b
	opBr           = 0x0c
	opBrIf         = 0x0d
	opBrTable      = 0x0e
	opReturn       = 0x0f
	opCall         = 0x10
	opCallIndirect = 0x11
	opLocalGet     = 0x20
	opLocalTee     = 0x22
	opGlobalGet    = 0x23
	opGlobalSet    = 0x24
	opI32Const     = 0x41
	opI64Const     = 0x42
	opI32Add       = 0x6a
	opI32Sub       = 0x6b
	opI32LtS       = 0x48
	opI32ShrU      = 0x76
	opMemoryGrow   = 0x40
	opRefFunc      = 0xd2
	opPrefixFC     = 0xfc
	opPrefixFD     = 0xfd
)

// Sub-opcodes of 0xfc that copy or fill memory or tables: their cost grows
// with an operand, so the instrumentation checks the deadline after each.
const (
	fcMemoryInit = 8
	fcMemoryCopy = 10
	fcMemoryFill = 11
	fcTableInit  = 12
	fcTableCopy  = 14
	fcTableGrow  = 15
	fcTableFill  = 17
)

// insn is one decoded instruction: its opcode, where its bytes are, and
// the one immediate the instrumentation needs.
type insn struct {
	op         byte
	sub        uint32 // sub-opcode of the 0xfc and 0xfd prefixes
	start, end int    // byte range in the function's code
	idx        uint32 // function index (call, ref.func), global index (global.get/set)
	targets    uint32 // br_table: number of targets, default included
}

// isBulk reports whether the instruction's cost grows with an operand.
func (in *insn) isBulk() bool {
	if in.op == opMemoryGrow {
		return true
	}
	if in.op != opPrefixFC {
		return false
	}
	switch in.sub {
	case fcMemoryInit, fcMemoryCopy, fcMemoryFill, fcTableInit, fcTableCopy, fcTableGrow, fcTableFill:
		return true
	}
	return false
}

// decode reads the instruction at r.off into in.
func decode(r *reader, m *Module, in *insn) {
	in.start = r.off
	in.op = r.byte()
	in.sub, in.idx, in.targets = 0, 0, 0
	switch op := in.op; {
	case op == 0x00 || op == 0x01 || op == opElse || op == opEnd || op == opReturn ||
		op == 0x1a || op == 0x1b || op == 0xd1 || (op >= 0x45 && op <= 0xc4):
		// no immediates
	case op == opBlock || op == opLoop || op == opIf:
		blockType(r, m)
	case op == opBr || op == opBrIf:
		in.idx = r.u32()
	case op == opBrTable:
		n := r.count("br_table targets", 0, 1)
		for i := uint32(0); i <= n && r.err == nil; i++ {
			r.u32()
		}
		in.targets = n + 1
	case op == opCall || op == opRefFunc:
		in.idx = r.u32()
		if r.err == nil && in.idx >= m.NumFuncs() {
			r.failf("function %d does not exist", in.idx)
		}
	case op == opCallIndirect:
		if t := r.u32(); r.err == nil && t >= uint32(len(m.Types)) {
			r.failf("call_indirect: type %d does not exist", t)
		}
		r.u32() // table
	case op == 0x1c: // select t*
		n := r.count("select types", 0, 1)
		for _, t := range r.bytes(n) {
			if !isValType(t) {
				r.failf("select: 0x%02x is not a value type", t)
			}
		}
	case op >= 0x20 && op <= 0x22: // local.get/set/tee
		r.u32()
	case op == opGlobalGet || op == opGlobalSet:
		in.idx = r.u32()
		if r.err == nil && in.idx >= uint32(len(m.Globals)) {
			r.failf("global %d does not exist", in.idx)
		}
	case op == 0x25 || op == 0x26: // table.get/set
		r.u32()
	case op >= 0x28 && op <= 0x3e: // loads and stores
		memarg(r)
	case op == 0x3f || op == opMemoryGrow: // memory.size/grow
		zeroByte(r, op)
	case op == opI32Const:
		r.s32()
	case op == opI64Const:
		r.s64()
	case op == 0x43:
		r.bytes(4)
	case op == 0x44:
		r.bytes(8)
	case op == 0xd0: // ref.null
		if t := r.byte(); r.err == nil && t != FuncRef && t != ExternRef {
			r.failf("ref.null: 0x%02x is not funcref or externref", t)
		}
	case op == opPrefixFC:
		in.sub = r.u32()
		decodeFC(r, in, in.sub)
	case op == opPrefixFD:
		in.sub = r.u32()
		decodeFD(r, in.sub)
	default:
		if r.err == nil {
			r.failf("instruction 0x%02x is not part of WebAssembly 2.0", op)
		}
	}
	in.end = r.off
}

// blockType reads a block type: empty (0x40), one value type, or a type
// index (a non-negative s33).
func blockType(r *reader, m *Module) {
	c := r.peek()
	if c == 0x40 || isValType(c) {
		r.byte()
		return
	}
	idx := r.s33()
	if r.err == nil && (idx < 0 || idx >= int64(len(m.Types))) {
		r.failf("block type %d is not a type index", idx)
	}
}

// memarg reads alignment and offset. An alignment over 16 bytes is
// refused: no access is wider, and a set bit 6 would mean a memory index
// (multi-memory) to a decoder that knows that proposal.
func memarg(r *reader) {
	if a := r.u32(); r.err == nil && a > 4 {
		r.failf("memory access alignment 2^%d is over 16 bytes", a)
	}
	r.u32()
}

func zeroByte(r *reader, op byte) {
	if b := r.byte(); r.err == nil && b != 0 {
		r.failf("instruction 0x%02x: memory index byte must be 0", op)
	}
}

func decodeFC(r *reader, in *insn, sub uint32) {
	switch {
	case sub <= 7: // saturating truncations
	case sub == fcMemoryInit:
		in.idx = r.u32()
		zeroByte(r, opPrefixFC)
	case sub == 9: // data.drop
		r.u32()
	case sub == fcMemoryCopy:
		zeroByte(r, opPrefixFC)
		zeroByte(r, opPrefixFC)
	case sub == fcMemoryFill:
		zeroByte(r, opPrefixFC)
	case sub == fcTableInit, sub == fcTableCopy:
		r.u32()
		r.u32()
	case sub == 13, sub == fcTableGrow, sub == 16, sub == fcTableFill: // elem.drop, table.grow/size/fill
		r.u32()
	default:
		if r.err == nil {
			r.failf("instruction 0xfc %d is not part of WebAssembly 2.0", sub)
		}
	}
}

// simdUnassigned are the opcodes of the 0xfd space that WebAssembly 2.0
// leaves unassigned; every other one up to 255 is an instruction.
var simdUnassigned = map[uint32]bool{154: true, 162: true, 165: true, 166: true, 175: true,
	176: true, 178: true, 179: true, 180: true, 187: true, 194: true, 197: true, 198: true,
	207: true, 208: true, 210: true, 211: true, 212: true, 226: true, 238: true}

func decodeFD(r *reader, sub uint32) {
	switch {
	case sub > 255 || simdUnassigned[sub]:
		if r.err == nil {
			r.failf("instruction 0xfd %d is not part of WebAssembly 2.0", sub)
		}
	case sub <= 11 || sub == 92 || sub == 93: // loads and stores
		memarg(r)
	case sub == 12 || sub == 13: // v128.const, i8x16.shuffle
		r.bytes(16)
	case sub >= 21 && sub <= 34: // extract/replace lane
		r.byte()
	case sub >= 84 && sub <= 91: // load/store lane
		memarg(r)
		r.byte()
	}
}

// funcStats is what the limits and the instrumentation need to know about
// one function body.
type funcStats struct {
	instrs     uint64 // instructions
	maxNesting uint32
	branches   uint64 // branch edges: br, br_if, br_table targets, if, else
	calls      uint32
	loops      uint32
	bulk       uint32
	tableGrow  bool
}

func (p *parser) code(r *reader) error {
	n := r.count("function bodies", p.l.Functions, 1)
	if r.err != nil {
		return r.err
	}
	if int(n) != len(p.m.Funcs) {
		return fmt.Errorf("%d bodies for %d functions", n, len(p.m.Funcs))
	}
	p.m.Bodies = make([]Body, 0, n)
	for i := uint32(0); i < n; i++ {
		size := r.u32()
		if r.err != nil {
			return r.err
		}
		fn := len(p.m.Imports) + int(i)
		if err := over(fmt.Sprintf("bytes of function %d", fn), uint64(size), uint64(p.l.FunctionBytes)); err != nil {
			return err
		}
		b := r.bytes(size)
		if r.err != nil {
			return fmt.Errorf("function %d: %w", fn, r.err)
		}
		body, err := p.body(uint32(fn), b)
		if err != nil {
			return err
		}
		p.m.Bodies = append(p.m.Bodies, body)
	}
	return nil
}

func (p *parser) body(fn uint32, b []byte) (Body, error) {
	r := reader{b: b}
	var body Body
	params := uint64(len(p.m.FuncType(fn).Params))
	nd := r.count("local declarations", 0, 2)
	body.Locals = make([]LocalDecl, 0, nd)
	for j := uint32(0); j < nd && r.err == nil; j++ {
		c, t := r.u32(), r.byte()
		if r.err == nil && !isValType(t) {
			r.failf("local type 0x%02x is not a value type", t)
		}
		body.NumLocals += uint64(c)
		if err := over(fmt.Sprintf("locals of function %d", fn), params+body.NumLocals, uint64(p.l.Locals)); err != nil {
			return body, err
		}
		body.Locals = append(body.Locals, LocalDecl{Count: c, Type: t})
	}
	if r.err != nil {
		return body, fmt.Errorf("function %d: %w", fn, r.err)
	}
	p.totalLocals += params + body.NumLocals
	if err := over("locals of all functions", p.totalLocals, p.l.TotalLocals); err != nil {
		return body, err
	}
	body.Code = b[r.off:]
	st, err := p.scan(fn, body.Code)
	if err != nil {
		return body, err
	}
	if err := over(fmt.Sprintf("branches × locals of function %d", fn), st.branches*(params+body.NumLocals), p.l.BranchLocals); err != nil {
		return body, err
	}
	body.stats = st
	return body, nil
}

// scan decodes every instruction of a function's code, checks nesting and
// br_table sizes, and collects funcStats.
func (p *parser) scan(fn uint32, code []byte) (funcStats, error) {
	var st funcStats
	r := reader{b: code}
	var in insn
	depth := uint32(0)
	for {
		if r.done() {
			if r.err == nil {
				r.err = fmt.Errorf("code ends without end")
			}
			break
		}
		decode(&r, p.m, &in)
		if r.err != nil {
			break
		}
		st.instrs++
		switch in.op {
		case opBlock, opLoop, opIf:
			depth++
			if depth > st.maxNesting {
				st.maxNesting = depth
				if err := over(fmt.Sprintf("nesting depth of function %d", fn), uint64(depth), uint64(p.l.Nesting)); err != nil {
					return st, err
				}
			}
			if in.op == opLoop {
				st.loops++
			}
			if in.op == opIf {
				st.branches++
			}
		case opElse:
			st.branches++
		case opBr, opBrIf:
			st.branches++
		case opBrTable:
			if err := over(fmt.Sprintf("br_table targets in function %d", fn), uint64(in.targets), uint64(p.l.BrTableTargets)); err != nil {
				return st, err
			}
			st.branches += uint64(in.targets)
		case opCall, opCallIndirect:
			st.calls++
		case opEnd:
			if depth == 0 {
				if !r.done() {
					return st, fmt.Errorf("function %d: %d bytes after the end of its code", fn, r.remaining())
				}
				return st, nil
			}
			depth--
		}
		if in.isBulk() {
			st.bulk++
			if in.op == opPrefixFC && in.sub == fcTableGrow {
				st.tableGrow = true
			}
		}
	}
	return st, fmt.Errorf("function %d at byte %d: %w", fn, in.start, r.err)
}
