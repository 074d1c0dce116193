// Package wasmgen is a small WebAssembly binary encoder for tests. It writes
// what it is given, valid or not: the hostile-plugin suite uses it to build
// modules that no compiler would emit (millions of globals, 2^32−1 locals,
// section sizes that lie) in code, so that no attack binary is committed.
//
// A Module lists its sections' entries; Encode writes the standard sections
// in their canonical order, skipping empty ones. Raw replaces or adds whole
// sections, byte for byte, for entries too many to hold as structs or
// encodings this package does not model. Function bodies are raw code
// bytes (see Code for a few instruction helpers).
package wasmgen

// ValType is a value type byte.
type ValType byte

// Value and reference types.
const (
	I32       ValType = 0x7f
	I64       ValType = 0x7e
	F32       ValType = 0x7d
	F64       ValType = 0x7c
	V128      ValType = 0x7b
	FuncRef   ValType = 0x70
	ExternRef ValType = 0x6f
)

// Section IDs.
const (
	SecCustom    byte = 0
	SecType      byte = 1
	SecImport    byte = 2
	SecFunction  byte = 3
	SecTable     byte = 4
	SecMemory    byte = 5
	SecGlobal    byte = 6
	SecExport    byte = 7
	SecStart     byte = 8
	SecElement   byte = 9
	SecCode      byte = 10
	SecData      byte = 11
	SecDataCount byte = 12
)

// canonical is the order in which sections must appear.
var canonical = []byte{SecType, SecImport, SecFunction, SecTable, SecMemory, SecGlobal,
	SecExport, SecStart, SecElement, SecDataCount, SecCode, SecData}

// FuncType is a function signature.
type FuncType struct {
	Params, Results []ValType
}

// Import is a function import (hostd refuses every other kind).
type Import struct {
	Module, Name string
	Type         uint32 // index into Module.Types
}

// Local declares Count locals of one type.
type Local struct {
	Count uint32
	Type  ValType
}

// Func is a defined function. Code holds its instructions without the final
// end, which Encode appends.
type Func struct {
	Type   uint32
	Locals []Local
	Code   []byte
}

// Limits are a table's or memory's bounds; Max is used when HasMax.
type Limits struct {
	Min    uint32
	Max    uint32
	HasMax bool
}

// TableEncoding says how a table's type is written.
type TableEncoding int

const (
	// TablePlain is the MVP form: reftype byte, limits.
	TablePlain TableEncoding = iota
	// TableRefNull writes the reftype as (ref null func): 0x63 0x70.
	TableRefNull
	// TableInit is the 0x40 0x00 form: reftype, limits, then the Init
	// constant expression every element starts with.
	TableInit
)

// Table is a table definition. Type is the reftype (FuncRef when zero).
type Table struct {
	Encoding TableEncoding
	Type     ValType
	Limits   Limits
	Init     []byte // constant expression without its end (TableInit only)
}

// Global is a global definition; Init is a constant expression without its
// end.
type Global struct {
	Type    ValType
	Mutable bool
	Init    []byte
}

// ExportKind is an export's kind byte.
type ExportKind byte

// Export kinds.
const (
	ExportFunc   ExportKind = 0
	ExportTable  ExportKind = 1
	ExportMemory ExportKind = 2
	ExportGlobal ExportKind = 3
)

// Export names a function, table, memory or global.
type Export struct {
	Name  string
	Kind  ExportKind
	Index uint32
}

// ElemMode is an element segment's mode.
type ElemMode int

// Element segment modes (function-index encodings, flags 0/2, 1 and 3).
const (
	ElemActive ElemMode = iota
	ElemPassive
	ElemDeclarative
)

// Elem is an element segment of function indices. An active segment on
// table 0 uses flag 0, on another table flag 2; Offset is a constant
// expression without its end.
type Elem struct {
	Mode   ElemMode
	Table  uint32
	Offset []byte
	Funcs  []uint32
}

// Data is a data segment. Active segments (Passive false) copy Bytes to
// Offset (a constant expression without its end) of memory Memory.
type Data struct {
	Passive bool
	Memory  uint32
	Offset  []byte
	Bytes   []byte
}

// Section is a raw section: ID and body. If Size is non-nil it is written
// as the section's size instead of len(Body) — a size that lies.
type Section struct {
	ID   byte
	Body []byte
	Size *uint32
}

// Module is a module to encode. Every field is optional.
type Module struct {
	Types    []FuncType
	Imports  []Import
	Funcs    []Func
	Tables   []Table
	Memories []Limits
	Globals  []Global
	Exports  []Export
	Start    *uint32
	Elems    []Elem
	// DataCount writes a data count section with len(Data) (needed by
	// memory.init and data.drop; harmless otherwise).
	DataCount bool
	Data      []Data

	// Raw sections: a raw section with a standard ID replaces the generated
	// one at its canonical place; custom sections (ID 0) and unknown IDs
	// are written after every standard section, in order.
	Raw []Section
}

// Encode returns the module's binary.
func (m *Module) Encode() []byte {
	out := &Buf{B: []byte("\x00asm\x01\x00\x00\x00")}
	raw := map[byte]Section{}
	for _, s := range m.Raw {
		if isStandard(s.ID) {
			raw[s.ID] = s
		}
	}
	for _, id := range canonical {
		if s, ok := raw[id]; ok {
			writeSection(out, s)
			continue
		}
		if body, ok := m.section(id); ok {
			writeSection(out, Section{ID: id, Body: body})
		}
	}
	for _, s := range m.Raw {
		if !isStandard(s.ID) {
			writeSection(out, s)
		}
	}
	return out.B
}

func isStandard(id byte) bool {
	for _, c := range canonical {
		if c == id {
			return true
		}
	}
	return false
}

func writeSection(out *Buf, s Section) {
	out.Byte(s.ID)
	if s.Size != nil {
		out.U32(*s.Size)
	} else {
		out.U32(uint32(len(s.Body)))
	}
	out.Byte(s.Body...)
}

// Custom returns a custom section with the given name and payload.
func Custom(name string, payload []byte) Section {
	b := &Buf{}
	b.Name(name).Byte(payload...)
	return Section{ID: SecCustom, Body: b.B}
}

// Repeat returns a section body: the count n, then entry n times. It builds
// sections of millions of identical entries without a struct per entry.
func Repeat(n uint32, entry []byte) []byte {
	b := make([]byte, 0, 5+int(n)*len(entry))
	b = AppendU32(b, n)
	for i := uint32(0); i < n; i++ {
		b = append(b, entry...)
	}
	return b
}
