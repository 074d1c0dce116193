package hostile

import (
	"github.com/hostd/hostd/internal/hostile/wasmgen"
)

// Compile-time bombs: modules whose compilation or instantiation costs time
// or memory out of proportion to their size. Each is otherwise a valid hostd
// plugin (marker, memory, on_request), so a refusal is about the limit.

// LocalsBomb is one function declaring n locals (the 134-byte module
// has n = 2^32−1: the compiler allocated 32 GiB).
func LocalsBomb(n uint32) []byte {
	p := newPlugin()
	p.onRequest(nil)
	p.add(wasmgen.Func{Type: typeVoid, Locals: []wasmgen.Local{{Count: n, Type: wasmgen.I64}}})
	return p.Encode()
}

// LocalsTotal is funcs functions declaring perFunc locals each: every
// function may be under a per-function bound while the total is not.
func LocalsTotal(funcs int, perFunc uint32) []byte {
	p := newPlugin()
	p.onRequest(nil)
	for i := 0; i < funcs; i++ {
		p.add(wasmgen.Func{Type: typeVoid, Locals: []wasmgen.Local{{Count: perFunc, Type: wasmgen.I64}}})
	}
	return p.Encode()
}

// Nesting is one function of depth nested blocks (op OpBlock) or loops
// (OpLoop).
func Nesting(depth int, op byte) []byte {
	p := newPlugin()
	p.onRequest(nil)
	code := make([]byte, 0, 3*depth)
	for i := 0; i < depth; i++ {
		code = append(code, op, wasmgen.BlockEmpty)
	}
	for i := 0; i < depth; i++ {
		code = append(code, wasmgen.OpEnd)
	}
	p.add(wasmgen.Func{Type: typeVoid, Code: code})
	return p.Encode()
}

// BrTable is one function with a br_table of n targets.
func BrTable(n int) []byte {
	p := newPlugin()
	p.onRequest(nil)
	code := make([]byte, 0, n+16)
	code = append(code, wasmgen.OpBlock, wasmgen.BlockEmpty, wasmgen.OpI32Const, 0x00, wasmgen.OpBrTable)
	code = wasmgen.AppendU32(code, uint32(n))
	for i := 0; i < n; i++ {
		code = append(code, 0x00)
	}
	code = append(code, 0x00, wasmgen.OpEnd) // default target, end of block
	p.add(wasmgen.Func{Type: typeVoid, Code: code})
	return p.Encode()
}

// ManyTypes has n extra (unused) function types.
func ManyTypes(n int) []byte {
	p := newPlugin()
	p.onRequest(nil)
	for i := 0; i < n; i++ {
		p.Types = append(p.Types, wasmgen.FuncType{Params: []wasmgen.ValType{wasmgen.I32}})
	}
	return p.Encode()
}

// ManyFunctions has n extra empty functions.
func ManyFunctions(n int) []byte {
	p := newPlugin()
	p.onRequest(nil)
	p.Funcs = append(p.Funcs, make([]wasmgen.Func, n)...) // type 0 would be wrong: use () -> ()
	for i := len(p.Funcs) - n; i < len(p.Funcs); i++ {
		p.Funcs[i].Type = typeVoid
	}
	return p.Encode()
}

// ManyGlobals has n mutable i64 globals (each instance allocates them).
func ManyGlobals(n int) []byte {
	p := newPlugin()
	p.onRequest(nil)
	init := []byte{wasmgen.OpI64Const, 0x00}
	for i := 0; i < n; i++ {
		p.Globals = append(p.Globals, wasmgen.Global{Type: wasmgen.I64, Mutable: true, Init: init})
	}
	return p.Encode()
}

// ManyDataSegments has n empty passive data segments (and a data count
// section).
func ManyDataSegments(n int) []byte {
	p := newPlugin()
	p.onRequest(nil)
	p.DataCount = true
	for i := 0; i < n; i++ {
		p.Data = append(p.Data, wasmgen.Data{Passive: true})
	}
	return p.Encode()
}

// ManyElemSegments has n passive element segments naming the marker.
func ManyElemSegments(n int) []byte {
	p := newPlugin()
	p.onRequest(nil)
	funcs := []uint32{funcMarker}
	for i := 0; i < n; i++ {
		p.Elems = append(p.Elems, wasmgen.Elem{Mode: wasmgen.ElemPassive, Funcs: funcs})
	}
	return p.Encode()
}

// HugeData is one active data segment of n bytes at offset 0 of a memory of
// one page: it can never be instantiated, and every byte is stored and
// parsed.
func HugeData(n int) []byte {
	p := newPlugin()
	p.onRequest(nil)
	p.Data = append(p.Data, wasmgen.Data{Offset: wasmgen.I32ConstExpr(0), Bytes: make([]byte, n)})
	return p.Encode()
}

// BigTable declares a table of min (and max) elements in the given
// encoding; TableInit starts every element as ref.null func.
func BigTable(enc wasmgen.TableEncoding, min uint32) []byte {
	p := newPlugin()
	p.onRequest(nil)
	t := wasmgen.Table{Encoding: enc, Limits: wasmgen.Limits{Min: min, Max: min, HasMax: true}}
	if enc == wasmgen.TableInit {
		t.Init = []byte{wasmgen.OpRefNull, byte(wasmgen.FuncRef)}
	}
	p.Tables = []wasmgen.Table{t}
	return p.Encode()
}

// TableGrow has a table of one element, with max as its declared maximum
// (none when max is 0), and an on_request that grows it by delta: it traps
// (unreachable) when table.grow fails and answers 200 "ok" when it grew.
// Without a maximum, the 142-byte version killed hostd (fatal out
// of memory) on its first request.
func TableGrow(max, delta uint32) []byte {
	p := newPlugin()
	l := wasmgen.Limits{Min: 1}
	if max > 0 {
		l = wasmgen.Limits{Min: 1, Max: max, HasMax: true}
	}
	p.Tables = []wasmgen.Table{{Limits: l}}
	var c wasmgen.Code
	c.Op(wasmgen.OpRefNull, byte(wasmgen.FuncRef)).I32Const(int32(delta)).FC(wasmgen.FCTableGrow, 0)
	c.I32Const(-1).Op(wasmgen.OpI32Eq, wasmgen.OpIf, wasmgen.BlockEmpty, wasmgen.OpUnreachable, wasmgen.OpEnd)
	p.onRequest(c.Bytes())
	return p.Encode()
}

// HugeMemory declares a memory of pages initial pages.
func HugeMemory(pages uint32) []byte {
	p := newPlugin()
	p.onRequest(nil)
	p.Memories = []wasmgen.Limits{{Min: pages}}
	return p.Encode()
}

// SectionSizeLie is a valid plugin followed by a custom section whose size
// field says 4 GiB − 1 while 16 bytes follow: a parser that trusts it
// allocates or reads 4 GiB.
func SectionSizeLie() []byte {
	p := newPlugin()
	p.onRequest(nil)
	lie := uint32(1<<32 - 1)
	s := wasmgen.Custom("x", make([]byte, 14))
	s.Size = &lie
	p.Raw = append(p.Raw, s)
	return p.Encode()
}

// CountLie replaces section id of a valid plugin by one whose vector count
// says 2^32−1 entries while one entry follows: a decoder that preallocates
// by the count allocates gigabytes. id is SecType, SecFunction, SecGlobal
// or SecDataCount.
func CountLie(id byte) []byte {
	p := newPlugin()
	p.onRequest(nil)
	var entry []byte
	switch id {
	case wasmgen.SecType:
		entry = []byte{0x60, 0x00, 0x00}
	case wasmgen.SecFunction:
		entry = []byte{typeVoid}
	case wasmgen.SecGlobal:
		entry = []byte{byte(wasmgen.I32), 0x00, wasmgen.OpI32Const, 0x00, wasmgen.OpEnd}
	case wasmgen.SecDataCount:
		entry = nil
	}
	body := append(wasmgen.U32(1<<32-1), entry...)
	p.Raw = append(p.Raw, wasmgen.Section{ID: id, Body: body})
	return p.Encode()
}
