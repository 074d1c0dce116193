package wasmgen_test

import (
	"bytes"
	"encoding/hex"
	"testing"

	"github.com/hostd/hostd/internal/hostile/wabt"
	. "github.com/hostd/hostd/internal/hostile/wasmgen"
)

func TestLEB128(t *testing.T) {
	u := []struct {
		v    uint32
		want string
	}{{0, "00"}, {127, "7f"}, {128, "8001"}, {624485, "e58e26"}, {1<<32 - 1, "ffffffff0f"}}
	for _, c := range u {
		if got := hex.EncodeToString(U32(c.v)); got != c.want {
			t.Errorf("U32(%d) = %s, want %s", c.v, got, c.want)
		}
	}
	s := []struct {
		v    int64
		want string
	}{{0, "00"}, {-1, "7f"}, {63, "3f"}, {64, "c000"}, {-64, "40"}, {-65, "bf7f"}, {200, "c801"}, {-123456, "c0bb78"}}
	for _, c := range s {
		if got := hex.EncodeToString(AppendS64(nil, c.v)); got != c.want {
			t.Errorf("S64(%d) = %s, want %s", c.v, got, c.want)
		}
	}
}

// TestEncodeMatchesWat2wasm checks every MVP section against wabt's own
// encoding of the same module, byte for byte.
func TestEncodeMatchesWat2wasm(t *testing.T) {
	const src = `(module
  (type (func (param i32 i32 i32) (result i32)))
  (type (func))
  (type (func (result i32)))
  (import "hostd_v1" "send_response" (func (type 0)))
  (func (type 1))
  (func (type 2) (local i32 i32) (local i64)
    (drop (call 0 (i32.const 200) (i32.const 16) (i32.const -2)))
    (i32.const 1))
  (table 2 10 funcref)
  (memory 1 4)
  (global (mut i32) (i32.const 7))
  (export "memory" (memory 0))
  (export "on_request" (func 2))
  (start 1)
  (elem (i32.const 0) func 1 2)
  (data (i32.const 16) "hi"))`
	want := wabt.Compile(t, src)
	m := &Module{
		Types:   []FuncType{{Params: []ValType{I32, I32, I32}, Results: []ValType{I32}}, {}, {Results: []ValType{I32}}},
		Imports: []Import{{Module: "hostd_v1", Name: "send_response", Type: 0}},
		Funcs: []Func{
			{Type: 1},
			{Type: 2, Locals: []Local{{2, I32}, {1, I64}},
				Code: new(Code).I32Const(200).I32Const(16).I32Const(-2).Call(0).Op(OpDrop).I32Const(1).Bytes()},
		},
		Tables:   []Table{{Limits: Limits{Min: 2, Max: 10, HasMax: true}}},
		Memories: []Limits{{Min: 1, Max: 4, HasMax: true}},
		Globals:  []Global{{Type: I32, Mutable: true, Init: I32ConstExpr(7)}},
		Exports:  []Export{{"memory", ExportMemory, 0}, {"on_request", ExportFunc, 2}},
		Start:    ptr(1),
		Elems:    []Elem{{Mode: ElemActive, Offset: I32ConstExpr(0), Funcs: []uint32{1, 2}}},
		Data:     []Data{{Offset: I32ConstExpr(16), Bytes: []byte("hi")}},
	}
	if got := m.Encode(); !bytes.Equal(got, want) {
		t.Fatalf("encoding differs from wat2wasm:\n got %x\nwant %x", got, want)
	}
}

// TestEncodeBulkMemoryForms checks passive segments and the data count
// section against wat2wasm.
func TestEncodeBulkMemoryForms(t *testing.T) {
	want := wabt.Compile(t, `(module
  (type (func))
  (func (type 0))
  (memory 1)
  (elem func 0)
  (elem declare func 0)
  (data "ab")
  (data (i32.const 0) "c")
  (func (type 0) (memory.init 0 (i32.const 0) (i32.const 0) (i32.const 1)) (data.drop 0)))`)
	m := &Module{
		Types: []FuncType{{}},
		Funcs: []Func{{Type: 0}, {Type: 0, Code: new(Code).I32Const(0).I32Const(0).I32Const(1).
			FC(FCMemoryInit, 0, 0).FC(FCDataDrop, 0).Bytes()}},
		Memories:  []Limits{{Min: 1}},
		Elems:     []Elem{{Mode: ElemPassive, Funcs: []uint32{0}}, {Mode: ElemDeclarative, Funcs: []uint32{0}}},
		DataCount: true,
		Data:      []Data{{Passive: true, Bytes: []byte("ab")}, {Offset: I32ConstExpr(0), Bytes: []byte("c")}},
	}
	if got := m.Encode(); !bytes.Equal(got, want) {
		t.Fatalf("encoding differs from wat2wasm:\n got %x\nwant %x", got, want)
	}
}

// TestTableEncodings checks the three table encodings byte for byte
// against the binary format (tabletype ::= reftype limits | 0x40 0x00
// reftype limits expr; reftype (ref null func) ::= 0x63 0x70). wabt 1.0.32
// cannot decode the last two, so only the plain form is also validated.
func TestTableEncodings(t *testing.T) {
	cases := []struct {
		table    Table
		hex      string // the table section body
		validate bool
	}{
		{Table{Limits: Limits{Min: 3}}, "01700003", true},
		{Table{Encoding: TableRefNull, Limits: Limits{Min: 3, Max: 5, HasMax: true}}, "0163700103" + "05", false},
		{Table{Encoding: TableInit, Limits: Limits{Min: 3}, Init: []byte{OpRefNull, 0x70}}, "01400070" + "0003" + "d0700b", false},
	}
	for _, c := range cases {
		m := &Module{Tables: []Table{c.table}}
		bin := m.Encode()
		want, _ := hex.DecodeString("0061736d01000000" + "04" + hex.EncodeToString(U32(uint32(len(c.hex)/2))) + c.hex)
		if !bytes.Equal(bin, want) {
			t.Errorf("table %+v: got %x, want %x", c.table, bin, want)
		}
		if !c.validate {
			continue
		}
		if err := wabt.Validate(bin); err != nil {
			t.Errorf("table %+v: %v", c.table, err)
		}
	}
}

func TestRawSectionsAndLyingSizes(t *testing.T) {
	lie := uint32(1<<32 - 1)
	m := &Module{
		Types: []FuncType{{}},
		Raw: []Section{
			{ID: SecType, Body: Repeat(3, []byte{0x60, 0x00, 0x00})}, // replaces Types
			Custom("x", []byte("yz")),
			{ID: SecCustom, Body: []byte{0x01, 'a'}, Size: &lie},
		},
	}
	want, _ := hex.DecodeString("0061736d01000000" +
		"010a" + "03" + "600000600000600000" + // the raw type section, not Types
		"0004" + "0178797a" + // custom section "x", payload "yz"
		"00ffffffff0f" + "0161") // a custom section claiming 4 GiB
	got := m.Encode()
	if !bytes.Equal(got, want) {
		t.Fatalf("got %x, want %x", got, want)
	}
}

func ptr(v uint32) *uint32 { return &v }
