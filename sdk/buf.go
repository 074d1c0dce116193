package sdk

import "unsafe"

// scratch is the buffer every read from the host goes through first. It
// grows on demand and is never shrunk, so an instance reaches a steady state
// in which reads allocate only their result. Values are copied out before
// the next host call, so callers never see it.
var scratch = make([]byte, 512)

// fits reports whether a value of n bytes fitted in scratch. When it did
// not, fits grows scratch so that the retry that follows will fit (the
// buf_limit protocol: the host wrote nothing and returned the needed size).
func fits(n uint32) bool {
	if int(n) <= len(scratch) {
		return true
	}
	size := 2 * len(scratch)
	for size < int(n) {
		size *= 2
	}
	scratch = make([]byte, size)
	return false
}

// view returns the value of a buf_limit getter without arguments as a
// slice of scratch, valid until the next host call.
func view(get func(buf []byte) uint32) []byte {
	for {
		if n := get(scratch); fits(n) {
			return scratch[:n]
		}
	}
}

// readString returns the value of a buf_limit getter as a string.
func readString(get func(buf []byte) uint32) string { return string(view(get)) }

// readBytes returns the value of a buf_limit getter as a slice the caller
// owns.
func readBytes(get func(buf []byte) uint32) []byte { return clone(view(get)) }

// clone returns a copy of b that the caller owns.
func clone(b []byte) []byte {
	out := make([]byte, len(b))
	copy(out, b)
	return out
}

// bytesOf returns the bytes of s without copying. The host only reads
// arguments, so the result must never be written to.
func bytesOf(s string) []byte {
	if s == "" {
		return nil
	}
	return unsafe.Slice(unsafe.StringData(s), len(s))
}

// splitNUL appends the count NUL-terminated strings of b to out.
func splitNUL(out []string, b []byte, count uint32) []string {
	start := 0
	for i := 0; i < len(b) && uint32(len(out)) < count; i++ {
		if b[i] == 0 {
			out = append(out, string(b[start:i]))
			start = i + 1
		}
	}
	return out
}
