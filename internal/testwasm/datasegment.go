package testwasm

import (
	"encoding/binary"
	"testing"
)

// WithDataSegment adds a passive data segment holding n to the module's
// data section (and to its data count, if it has one): different code,
// same behaviour, so that every n makes a new version of a plugin that
// compiles like the original (upload, restart and swap benchmarks).
func WithDataSegment(tb testing.TB, wasm []byte, n int) []byte {
	out := append([]byte(nil), wasm[:8]...)
	seg := binary.LittleEndian.AppendUint64([]byte{1, 8}, uint64(n)) // passive, 8 bytes
	for off := 8; off < len(wasm); {
		id := wasm[off]
		size, k := binary.Uvarint(wasm[off+1:])
		body := wasm[off+1+k : off+1+k+int(size)]
		off += 1 + k + int(size)
		switch id {
		case 11, 12: // data, data count: one more segment
			count, c := binary.Uvarint(body)
			nb := binary.AppendUvarint(nil, count+1)
			nb = append(nb, body[c:]...)
			if id == 11 {
				nb = append(nb, seg...)
			}
			body = nb
		}
		out = append(out, id)
		out = binary.AppendUvarint(out, uint64(len(body)))
		out = append(out, body...)
	}
	if len(out) == len(wasm) {
		tb.Fatal("WithDataSegment: the module has no data section")
	}
	return out
}
