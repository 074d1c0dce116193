package wasmgen

// Opcodes used by the suite (the rest can be written as raw bytes).
const (
	OpUnreachable byte = 0x00
	OpNop         byte = 0x01
	OpBlock       byte = 0x02
	OpLoop        byte = 0x03
	OpIf          byte = 0x04
	OpElse        byte = 0x05
	OpEnd         byte = 0x0b
	OpBr          byte = 0x0c
	OpBrIf        byte = 0x0d
	OpBrTable     byte = 0x0e
	OpReturn      byte = 0x0f
	OpCall        byte = 0x10
	OpDrop        byte = 0x1a
	OpLocalGet    byte = 0x20
	OpLocalSet    byte = 0x21
	OpLocalTee    byte = 0x22
	OpGlobalGet   byte = 0x23
	OpGlobalSet   byte = 0x24
	OpI32Const    byte = 0x41
	OpI64Const    byte = 0x42
	OpI32Eqz      byte = 0x45
	OpI32Eq       byte = 0x46
	OpI32Ne       byte = 0x47
	OpI32LtU      byte = 0x49
	OpI64LtU      byte = 0x54
	OpI32Add      byte = 0x6a
	OpI32Sub      byte = 0x6b
	OpI64Add      byte = 0x7c
	OpI64Sub      byte = 0x7d
	OpRefNull     byte = 0xd0
	OpPrefixFC    byte = 0xfc
	BlockEmpty    byte = 0x40 // block type: no results
)

// 0xFC sub-opcodes.
const (
	FCMemoryInit uint32 = 8
	FCDataDrop   uint32 = 9
	FCMemoryCopy uint32 = 10
	FCMemoryFill uint32 = 11
	FCTableGrow  uint32 = 15
	FCTableSize  uint32 = 16
)

// Code builds a function body (or a constant expression) instruction by
// instruction. The zero value is empty.
type Code struct{ Buf }

// Op appends raw opcode bytes.
func (c *Code) Op(op ...byte) *Code { c.Byte(op...); return c }

// I32Const appends i32.const v.
func (c *Code) I32Const(v int32) *Code { c.Byte(OpI32Const).S32(v); return c }

// I64Const appends i64.const v.
func (c *Code) I64Const(v int64) *Code { c.Byte(OpI64Const).S64(v); return c }

// Call appends call f.
func (c *Code) Call(f uint32) *Code { c.Byte(OpCall).U32(f); return c }

// LocalGet appends local.get i.
func (c *Code) LocalGet(i uint32) *Code { c.Byte(OpLocalGet).U32(i); return c }

// LocalSet appends local.set i.
func (c *Code) LocalSet(i uint32) *Code { c.Byte(OpLocalSet).U32(i); return c }

// Br appends br depth.
func (c *Code) Br(depth uint32) *Code { c.Byte(OpBr).U32(depth); return c }

// BrIf appends br_if depth.
func (c *Code) BrIf(depth uint32) *Code { c.Byte(OpBrIf).U32(depth); return c }

// Block appends block (no results).
func (c *Code) Block() *Code { c.Byte(OpBlock, BlockEmpty); return c }

// Loop appends loop (no results).
func (c *Code) Loop() *Code { c.Byte(OpLoop, BlockEmpty); return c }

// End appends end.
func (c *Code) End() *Code { c.Byte(OpEnd); return c }

// FC appends a 0xFC-prefixed instruction with its immediates.
func (c *Code) FC(sub uint32, imm ...uint32) *Code {
	c.Byte(OpPrefixFC).U32(sub)
	for _, v := range imm {
		c.U32(v)
	}
	return c
}

// Bytes returns the code.
func (c *Code) Bytes() []byte { return c.B }

// I32ConstExpr is the constant expression i32.const v (without end).
func I32ConstExpr(v int32) []byte {
	var c Code
	return c.I32Const(v).Bytes()
}
