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

func (p *parser) custom(r *reader) {
	name := r.name()
	if r.err != nil {
		return
	}
	p.m.Customs = append(p.m.Customs, Custom{Name: name, Data: r.b[r.off:]})
	r.off = len(r.b)
}

func (p *parser) types(r *reader) {
	n := r.count("function types", p.l.Types, 3)
	p.m.Types = make([]FuncType, 0, n)
	for i := uint32(0); i < n && r.err == nil; i++ {
		if f := r.byte(); f != 0x60 && r.err == nil {
			r.failf("type %d: form 0x%02x is not a function type (0x60)", i, f)
			return
		}
		params := p.valTypes(r, fmt.Sprintf("parameters of type %d", i))
		results := p.valTypes(r, fmt.Sprintf("results of type %d", i))
		if r.err == nil && uint64(len(params)+len(results)) > uint64(p.l.TypeArity) {
			r.err = &LimitError{What: fmt.Sprintf("parameters and results of type %d", i),
				Got: uint64(len(params) + len(results)), Max: uint64(p.l.TypeArity)}
		}
		p.m.Types = append(p.m.Types, FuncType{Params: params, Results: results})
	}
}

func (p *parser) valTypes(r *reader, what string) []byte {
	n := r.count(what, p.l.TypeArity, 1)
	b := r.bytes(n)
	for _, t := range b {
		if !isValType(t) {
			r.failf("%s: 0x%02x is not a WebAssembly 2.0 value type", what, t)
		}
	}
	return b
}

func isValType(t byte) bool {
	switch t {
	case I32, I64, F32, F64, V128, FuncRef, ExternRef:
		return true
	}
	return false
}

func (p *parser) typeIndex(r *reader, what string) uint32 {
	idx := r.u32()
	if r.err == nil && idx >= uint32(len(p.m.Types)) {
		r.failf("%s: type %d does not exist", what, idx)
	}
	return idx
}

func (p *parser) imports(r *reader) {
	n := r.count("imports", p.l.Imports, 4)
	p.m.Imports = make([]Import, 0, n)
	for i := uint32(0); i < n && r.err == nil; i++ {
		mod, name := r.name(), r.name()
		kind := r.byte()
		if r.err != nil {
			return
		}
		if kind != KindFunc {
			r.failf("import %s.%s is a %s; plugins may import only functions", mod, name, kindName(kind))
			return
		}
		t := p.typeIndex(r, "import "+mod+"."+name)
		p.m.Imports = append(p.m.Imports, Import{Module: mod, Name: name, Type: t})
	}
}

func kindName(k byte) string {
	switch k {
	case KindFunc:
		return "function"
	case KindTable:
		return "table"
	case KindMemory:
		return "memory"
	case KindGlobal:
		return "global"
	}
	return fmt.Sprintf("kind 0x%02x", k)
}

func (p *parser) functions(r *reader) {
	n := r.count("functions", p.l.Functions, 1)
	p.m.Funcs = make([]uint32, 0, n)
	for i := uint32(0); i < n && r.err == nil; i++ {
		p.m.Funcs = append(p.m.Funcs, p.typeIndex(r, fmt.Sprintf("function %d", i)))
	}
}

func (p *parser) tables(r *reader) {
	n := r.count("tables", p.l.Tables, 3)
	for i := uint32(0); i < n && r.err == nil; i++ {
		t := r.byte()
		if t == 0x40 || t == 0x63 || t == 0x64 {
			r.failf("table %d uses an encoding of the typed function references proposal (0x%02x), which hostd does not accept", i, t)
			return
		}
		if t != FuncRef && t != ExternRef {
			r.failf("table %d: element type 0x%02x is not funcref or externref", i, t)
			return
		}
		min, max, hasMax := p.limits(r, fmt.Sprintf("table %d", i))
		if r.err != nil {
			return
		}
		what := fmt.Sprintf("elements of table %d", i)
		if err := over("initial "+what, uint64(min), uint64(p.l.TableElements)); err != nil {
			r.err = err
			return
		}
		if hasMax {
			if err := over("maximum "+what, uint64(max), uint64(p.l.TableElements)); err != nil {
				r.err = err
				return
			}
		}
		p.m.Tables = append(p.m.Tables, Table{RefType: t, Min: min, Max: max, HasMax: hasMax})
	}
}

// limits reads a limits structure of a table or a memory: flag 0 (min) or
// 1 (min, max); shared (2, 3) and 64-bit (4 and up) forms are refused.
func (p *parser) limits(r *reader, what string) (min, max uint32, hasMax bool) {
	flag := r.byte()
	if r.err != nil {
		return
	}
	if flag > 1 {
		r.failf("%s: limits flag 0x%02x (shared or 64-bit) is not accepted", what, flag)
		return
	}
	min = r.u32()
	if flag == 1 {
		max, hasMax = r.u32(), true
		if r.err == nil && max < min {
			r.failf("%s: maximum %d is below minimum %d", what, max, min)
		}
	}
	return
}

func (p *parser) memories(r *reader) {
	n := r.count("memories", 1, 2)
	for i := uint32(0); i < n && r.err == nil; i++ {
		min, max, hasMax := p.limits(r, "memory")
		if r.err != nil {
			return
		}
		if err := over("initial memory pages", uint64(min), uint64(p.l.MemoryPages)); err != nil {
			r.err = err
			return
		}
		if min > 65536 || max > 65536 {
			r.failf("memory: more than 65536 pages (4 GiB)")
			return
		}
		p.m.Memories = append(p.m.Memories, Memory{Min: min, Max: max, HasMax: hasMax})
	}
}

func (p *parser) globals(r *reader) {
	n := r.count("globals", p.l.Globals, 3)
	p.m.Globals = make([]Global, 0, n)
	for i := uint32(0); i < n && r.err == nil; i++ {
		t := r.byte()
		if r.err == nil && !isValType(t) {
			r.failf("global %d: 0x%02x is not a value type", i, t)
			return
		}
		mut := r.byte()
		if r.err == nil && mut > 1 {
			r.failf("global %d: mutability 0x%02x is not 0 or 1", i, mut)
			return
		}
		init := p.constExpr(r, fmt.Sprintf("initializer of global %d", i))
		p.m.Globals = append(p.m.Globals, Global{Type: t, Mutable: mut == 1, Init: init})
	}
}

func (p *parser) exports(r *reader) {
	n := r.count("exports", p.l.Exports, 3)
	p.m.Exports = make([]Export, 0, n)
	seen := make(map[string]bool, n)
	for i := uint32(0); i < n && r.err == nil; i++ {
		name := r.name()
		kind := r.byte()
		idx := r.u32()
		if r.err != nil {
			return
		}
		if seen[name] {
			r.failf("export %q is declared twice", name)
			return
		}
		seen[name] = true
		if kind > KindGlobal {
			r.failf("export %q: kind 0x%02x is not a WebAssembly 2.0 export kind", name, kind)
			return
		}
		p.m.Exports = append(p.m.Exports, Export{Name: name, Kind: kind, Index: idx})
	}
}

// constExpr reads one constant instruction and end.
func (p *parser) constExpr(r *reader, what string) ConstExpr {
	var e ConstExpr
	start := r.off
	e.Op = r.byte()
	switch e.Op {
	case 0x41:
		r.s32()
	case 0x42:
		r.s64()
	case 0x43:
		r.bytes(4)
	case 0x44:
		r.bytes(8)
	case 0xd0:
		if t := r.byte(); r.err == nil && t != FuncRef && t != ExternRef {
			r.failf("%s: ref.null of 0x%02x", what, t)
		}
	case 0xd2:
		e.Index = r.u32()
	case 0x23:
		e.Index = r.u32()
	case 0xfd:
		if sub := r.u32(); r.err == nil && sub != 12 {
			r.failf("%s: SIMD instruction %d is not constant", what, sub)
		}
		r.bytes(16)
	default:
		if r.err == nil {
			r.failf("%s: instruction 0x%02x is not a WebAssembly 2.0 constant instruction", what, e.Op)
		}
	}
	if r.err != nil {
		return e
	}
	e.Raw = r.b[start+1 : r.off]
	if end := r.byte(); r.err == nil && end != 0x0b {
		r.failf("%s: a constant expression is one instruction followed by end (got 0x%02x)", what, end)
	}
	return e
}

func (p *parser) data(r *reader) {
	n := r.count("data segments", p.l.DataSegments, 2)
	p.m.Data = make([]Data, 0, n)
	for i := uint32(0); i < n && r.err == nil; i++ {
		var d Data
		switch flag := r.u32(); flag {
		case 0:
			d.Offset = p.constExpr(r, fmt.Sprintf("offset of data segment %d", i))
		case 1:
			d.Passive = true
		case 2:
			if mem := r.u32(); r.err == nil && mem != 0 {
				r.failf("data segment %d: memory %d does not exist", i, mem)
			}
			d.Offset = p.constExpr(r, fmt.Sprintf("offset of data segment %d", i))
		default:
			if r.err == nil {
				r.failf("data segment %d: flags %d are not 0, 1 or 2", i, flag)
			}
		}
		size := r.u32()
		p.dataBytes += uint64(size)
		if err := over("bytes of all data segments", p.dataBytes, uint64(p.l.DataBytes)); err != nil && r.err == nil {
			r.err = err
		}
		d.Init = r.bytes(size)
		p.m.Data = append(p.m.Data, d)
	}
}
