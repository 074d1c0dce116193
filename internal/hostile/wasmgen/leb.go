package wasmgen

// Buf is an append-only byte buffer with the WebAssembly binary encodings.
// The zero value is ready to use.
type Buf struct {
	B []byte
}

// Byte appends raw bytes.
func (b *Buf) Byte(c ...byte) *Buf {
	b.B = append(b.B, c...)
	return b
}

// U32 appends v as unsigned LEB128 (at most 5 bytes).
func (b *Buf) U32(v uint32) *Buf {
	b.B = AppendU32(b.B, v)
	return b
}

// S32 appends v as signed LEB128.
func (b *Buf) S32(v int32) *Buf {
	b.B = AppendS64(b.B, int64(v))
	return b
}

// S64 appends v as signed LEB128.
func (b *Buf) S64(v int64) *Buf {
	b.B = AppendS64(b.B, v)
	return b
}

// Name appends a length-prefixed UTF-8 name.
func (b *Buf) Name(s string) *Buf {
	b.U32(uint32(len(s)))
	b.B = append(b.B, s...)
	return b
}

// Bytes appends a length-prefixed byte vector.
func (b *Buf) Bytes(p []byte) *Buf {
	b.U32(uint32(len(p)))
	b.B = append(b.B, p...)
	return b
}

// AppendU32 appends v as unsigned LEB128.
func AppendU32(dst []byte, v uint32) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if v == 0 {
			return append(dst, c)
		}
		dst = append(dst, c|0x80)
	}
}

// AppendS64 appends v as signed LEB128.
func AppendS64(dst []byte, v int64) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if (v == 0 && c&0x40 == 0) || (v == -1 && c&0x40 != 0) {
			return append(dst, c)
		}
		dst = append(dst, c|0x80)
	}
}

// U32 returns v as unsigned LEB128.
func U32(v uint32) []byte { return AppendU32(nil, v) }
