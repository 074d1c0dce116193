package sandbox

import (
	"errors"
	"fmt"
	"unicode/utf8"
)

// reader decodes the WebAssembly binary encoding: bytes, LEB128 integers
// and names. The first error sticks; later reads return zero values, so a
// caller checks r.err once after a group of reads. Integer encodings are
// decoded strictly, as the specification requires (no more bytes than the
// type needs, unused bits of the last byte zero or sign bits), so that
// every byte this package accepts is framed the way wazero frames it.
type reader struct {
	b   []byte
	off int
	err error
}

var errEOF = errors.New("unexpected end of data")

func (r *reader) failf(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf(format, args...)
	}
}

func (r *reader) done() bool { return r.err != nil || r.off >= len(r.b) }

func (r *reader) remaining() int { return len(r.b) - r.off }

func (r *reader) byte() byte {
	if r.err != nil {
		return 0
	}
	if r.off >= len(r.b) {
		r.err = errEOF
		return 0
	}
	c := r.b[r.off]
	r.off++
	return c
}

func (r *reader) peek() byte {
	if r.err != nil || r.off >= len(r.b) {
		return 0
	}
	return r.b[r.off]
}

func (r *reader) bytes(n uint32) []byte {
	if r.err != nil {
		return nil
	}
	if uint64(n) > uint64(r.remaining()) {
		r.err = errEOF
		return nil
	}
	b := r.b[r.off : r.off+int(n)]
	r.off += int(n)
	return b
}

// u32 reads an unsigned LEB128 of at most 5 bytes whose value fits 32 bits.
func (r *reader) u32() uint32 {
	var v uint32
	for i := 0; i < 5; i++ {
		c := r.byte()
		if r.err != nil {
			return 0
		}
		if i == 4 && c&0xf0 != 0 {
			r.failf("integer too large for u32")
			return 0
		}
		v |= uint32(c&0x7f) << (7 * i)
		if c&0x80 == 0 {
			return v
		}
	}
	r.failf("integer representation too long")
	return 0
}

// signed reads a signed LEB128 of a bits-bit integer.
func (r *reader) signed(bits int) int64 {
	var v int64
	maxBytes := (bits + 6) / 7
	for i := 0; i < maxBytes; i++ {
		c := r.byte()
		if r.err != nil {
			return 0
		}
		shift := 7 * i
		v |= int64(c&0x7f) << shift
		if c&0x80 == 0 {
			if i == maxBytes-1 {
				// The unused high bits must all equal the sign bit.
				used := bits - shift       // bits this byte carries
				rest := int8(c<<1) >> used // sign-extended unused bits (with the sign bit)
				if rest != 0 && rest != -1 {
					r.failf("integer too large for s%d", bits)
					return 0
				}
			}
			if shift+7 < 64 && c&0x40 != 0 {
				v |= -1 << (shift + 7)
			}
			return v
		}
	}
	r.failf("integer representation too long")
	return 0
}

func (r *reader) s32() int32 { return int32(r.signed(32)) }
func (r *reader) s33() int64 { return r.signed(33) }
func (r *reader) s64() int64 { return r.signed(64) }

// name reads a length-prefixed UTF-8 string.
func (r *reader) name() string {
	n := r.u32()
	b := r.bytes(n)
	if r.err != nil {
		return ""
	}
	if !utf8.Valid(b) {
		r.failf("name is not valid UTF-8")
		return ""
	}
	return string(b)
}

// count reads a vector length and refuses it if it is over max or if the
// remaining bytes cannot hold that many elements of at least minSize bytes,
// so that no caller allocates for a length the input cannot back.
func (r *reader) count(what string, max uint32, minSize int) uint32 {
	n := r.u32()
	if r.err != nil {
		return 0
	}
	if max > 0 && n > max {
		r.err = &LimitError{What: what, Got: uint64(n), Max: uint64(max)}
		return 0
	}
	if uint64(n)*uint64(minSize) > uint64(r.remaining()) {
		r.failf("%s: %d declared but the section holds at most %d", what, n, r.remaining()/max1(minSize))
		return 0
	}
	return n
}

func max1(n int) int {
	if n < 1 {
		return 1
	}
	return n
}
