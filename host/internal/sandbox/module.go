package sandbox

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Value types of WebAssembly 2.0.
const (
	I32       byte = 0x7f
	I64       byte = 0x7e
	F32       byte = 0x7d
	F64       byte = 0x7c
	V128      byte = 0x7b
	FuncRef   byte = 0x70
	ExternRef byte = 0x6f
)

// External kinds of imports and exports.
const (
	KindFunc   byte = 0
	KindTable  byte = 1
	KindMemory byte = 2
	KindGlobal byte = 3
)

// ErrNotWasm is returned by Parse when the bytes do not start with the
// WebAssembly magic and version 1.
var ErrNotWasm = errors.New("not a WebAssembly module (missing \\0asm magic or version 1)")

// FuncType is a function signature.
type FuncType struct {
	Params, Results []byte
}

func (t FuncType) equal(o FuncType) bool {
	return string(t.Params) == string(o.Params) && string(t.Results) == string(o.Results)
}

// Import is one import. Only function imports are accepted (Parse refuses
// the others), so Type is the function's type index.
type Import struct {
	Module, Name string
	Type         uint32
}

// Table is a table type.
type Table struct {
	RefType  byte
	Min, Max uint32
	HasMax   bool
}

// Memory is a memory type (32-bit, not shared).
type Memory struct {
	Min, Max uint32
	HasMax   bool
}

// Global is a defined global with its initializer.
type Global struct {
	Type    byte
	Mutable bool
	Init    ConstExpr
}

// Export is one export.
type Export struct {
	Name  string
	Kind  byte
	Index uint32
}

// ConstExpr is a constant expression of WebAssembly 2.0: exactly one
// constant instruction (Op with its immediate) followed by end.
type ConstExpr struct {
	Op    byte   // 0x41 i32.const, 0x42 i64.const, 0x43 f32.const, 0x44 f64.const, 0xfd v128.const, 0xd0 ref.null, 0xd2 ref.func, 0x23 global.get
	Index uint32 // ref.func function index, global.get global index
	Raw   []byte // the immediate bytes for the const and ref.null forms
}

// Elem is an element segment in one of the eight encodings.
type Elem struct {
	Mode    byte // 0 active, 1 passive, 2 declarative
	Table   uint32
	Offset  ConstExpr
	RefType byte
	// Funcs holds the items of the function-index encodings; Exprs those
	// of the expression encodings (exactly one of them is used).
	Funcs []uint32
	Exprs []ConstExpr
	exprs bool
}

// Data is a data segment.
type Data struct {
	Passive bool
	Offset  ConstExpr
	Init    []byte
}

// Body is a function body: its local declarations and its code (the
// instructions, the final end included).
type Body struct {
	Locals    []LocalDecl
	NumLocals uint64 // declared locals, parameters not included
	Code      []byte
	stats     funcStats
}

// LocalDecl declares Count locals of one type.
type LocalDecl struct {
	Count uint32
	Type  byte
}

// Custom is a custom section.
type Custom struct {
	Name string
	Data []byte
}

// Module is a parsed WebAssembly 2.0 module. Byte slices alias the input.
type Module struct {
	Types        []FuncType
	Imports      []Import
	Funcs        []uint32 // type index of each defined function
	Tables       []Table
	Memories     []Memory
	Globals      []Global
	Exports      []Export
	Start        uint32
	HasStart     bool
	Elems        []Elem
	DataCount    uint32
	HasDataCount bool
	Bodies       []Body
	Data         []Data
	Customs      []Custom

	size int
}

// checkTableGrowth refuses a table without a declared maximum in a module
// that grows tables: the runtime would allocate whatever table.grow asks.
func (m *Module) checkTableGrowth(l Limits) error {
	grows := false
	for _, b := range m.Bodies {
		grows = grows || b.stats.tableGrow
	}
	if !grows {
		return nil
	}
	for i, t := range m.Tables {
		if !t.HasMax {
			return &LimitError{Msg: fmt.Sprintf("table %d declares no maximum and the module uses table.grow; declare a maximum of at most %d elements", i, l.TableElements)}
		}
	}
	return nil
}

// checkDataFits refuses an active data segment with a constant offset
// that does not fit the initial memory: instantiation would fail after
// copying the segment, for every instance.
func (m *Module) checkDataFits() error {
	var size uint64
	if len(m.Memories) > 0 {
		size = uint64(m.Memories[0].Min) << 16
	}
	for i, d := range m.Data {
		if d.Passive || d.Offset.Op != opI32Const {
			continue
		}
		r := reader{b: d.Offset.Raw}
		off := uint64(uint32(r.s32()))
		if end := off + uint64(len(d.Init)); end > size {
			return &LimitError{What: fmt.Sprintf("end of data segment %d (offset %d) beyond the initial memory", i, off),
				Got: end, Max: size}
		}
	}
	return nil
}

// NumFuncs returns the size of the function index space.
func (m *Module) NumFuncs() uint32 { return uint32(len(m.Imports) + len(m.Funcs)) }

// FuncType returns the type of function idx (imported or defined).
func (m *Module) FuncType(idx uint32) FuncType {
	if int(idx) < len(m.Imports) {
		return m.Types[m.Imports[idx].Type]
	}
	return m.Types[m.Funcs[int(idx)-len(m.Imports)]]
}

// section ids in the order the binary format requires them.
const (
	secCustom    = 0
	secType      = 1
	secImport    = 2
	secFunction  = 3
	secTable     = 4
	secMemory    = 5
	secGlobal    = 6
	secExport    = 7
	secStart     = 8
	secElement   = 9
	secCode      = 10
	secData      = 11
	secDataCount = 12
)

// maxSectionBytes bounds a section's declared size: far beyond any upload,
// so a larger size is a lie about the module, reported as such.
const maxSectionBytes = 1 << 30

// order gives each section id its rank; datacount sits between element
// and code.
var order = [...]int{secType: 1, secImport: 2, secFunction: 3, secTable: 4, secMemory: 5,
	secGlobal: 6, secExport: 7, secStart: 8, secElement: 9, secDataCount: 10, secCode: 11, secData: 12}

// Parse decodes a whole module, checking every dimension against l as it
// goes, so that no allocation is made for a count the limits refuse. It
// refuses what is not WebAssembly 2.0 (the proposals after it, shared or
// 64-bit memories, imports other than functions). It does not type-check
// instructions: wazero validates the module when it compiles it.
func Parse(b []byte, l Limits) (*Module, error) {
	l = l.withDefaults()
	if len(b) < 8 || string(b[:4]) != "\x00asm" || binary.LittleEndian.Uint32(b[4:8]) != 1 {
		return nil, ErrNotWasm
	}
	m := &Module{size: len(b)}
	p := parser{m: m, l: l}
	r := reader{b: b, off: 8}
	last := 0
	for !r.done() {
		id := r.byte()
		size := r.u32()
		if r.err != nil {
			return nil, fmt.Errorf("section header at offset %d: %w", r.off, r.err)
		}
		if size > maxSectionBytes {
			return nil, &LimitError{What: fmt.Sprintf("bytes of section %d at offset %d", id, r.off),
				Got: uint64(size), Max: maxSectionBytes}
		}
		if uint64(size) > uint64(r.remaining()) {
			return nil, fmt.Errorf("section %d at offset %d: declares %d bytes, %d remain (truncated module)", id, r.off, size, r.remaining())
		}
		if id != secCustom {
			if int(id) >= len(order) || order[id] == 0 {
				return nil, fmt.Errorf("section id %d at offset %d is not part of WebAssembly 2.0", id, r.off)
			}
			if order[id] <= last {
				return nil, fmt.Errorf("section %d at offset %d is out of order or repeated", id, r.off)
			}
			last = order[id]
		}
		body := reader{b: r.b[r.off : r.off+int(size)]}
		start := r.off
		r.off += int(size)
		if err := p.section(id, &body); err != nil {
			return nil, err
		}
		if body.err == nil && !body.done() {
			return nil, fmt.Errorf("section %d at offset %d: %d unread bytes at its end", id, start, body.remaining())
		}
	}
	if len(m.Funcs) != len(m.Bodies) {
		return nil, fmt.Errorf("function section declares %d functions, code section has %d bodies", len(m.Funcs), len(m.Bodies))
	}
	if m.HasDataCount && int(m.DataCount) != len(m.Data) {
		return nil, fmt.Errorf("data count section says %d segments, data section has %d", m.DataCount, len(m.Data))
	}
	if err := m.checkTableGrowth(l); err != nil {
		return nil, err
	}
	if err := m.checkDataFits(); err != nil {
		return nil, err
	}
	return m, nil
}

type parser struct {
	m           *Module
	l           Limits
	totalLocals uint64
	elemItems   uint64
	dataBytes   uint64
}

func (p *parser) section(id byte, r *reader) error {
	var err error
	switch id {
	case secCustom:
		p.custom(r)
	case secType:
		p.types(r)
	case secImport:
		p.imports(r)
	case secFunction:
		p.functions(r)
	case secTable:
		p.tables(r)
	case secMemory:
		p.memories(r)
	case secGlobal:
		p.globals(r)
	case secExport:
		p.exports(r)
	case secStart:
		p.m.Start, p.m.HasStart = r.u32(), true
		if r.err == nil && p.m.Start >= p.m.NumFuncs() {
			r.failf("start function %d does not exist", p.m.Start)
		}
	case secElement:
		p.elements(r)
	case secDataCount:
		p.m.DataCount, p.m.HasDataCount = r.u32(), true
		if err := over("data segments (data count section)", uint64(p.m.DataCount), uint64(p.l.DataSegments)); err != nil && r.err == nil {
			r.err = err
		}
	case secCode:
		err = p.code(r)
	case secData:
		p.data(r)
	}
	if err == nil {
		err = r.err
	}
	if err != nil {
		var le *LimitError
		if errors.As(err, &le) {
			return err
		}
		return fmt.Errorf("%s section: %w", sectionName(id), err)
	}
	return nil
}

func sectionName(id byte) string {
	names := [...]string{"custom", "type", "import", "function", "table", "memory", "global",
		"export", "start", "element", "code", "data", "data count"}
	if int(id) < len(names) {
		return names[id]
	}
	return fmt.Sprintf("id %d", id)
}
