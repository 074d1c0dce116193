package sandbox

// writer builds WebAssembly binary encodings.
type writer struct{ b []byte }

func (w *writer) byte(c byte)       { w.b = append(w.b, c) }
func (w *writer) raw(b []byte)      { w.b = append(w.b, b...) }
func (w *writer) u32(v uint32)      { w.b = appendU32(w.b, v) }
func (w *writer) s64(v int64)       { w.b = appendS64(w.b, v) }
func (w *writer) name(s string)     { w.u32(uint32(len(s))); w.b = append(w.b, s...) }
func (w *writer) bytesVec(b []byte) { w.u32(uint32(len(b))); w.raw(b) }

func appendU32(b []byte, v uint32) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if v != 0 {
			b = append(b, c|0x80)
			continue
		}
		return append(b, c)
	}
}

func appendS64(b []byte, v int64) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if (v == 0 && c&0x40 == 0) || (v == -1 && c&0x40 != 0) {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}

// section appends a section with the payload fill writes.
func (w *writer) section(id byte, fill func(s *writer)) {
	var s writer
	fill(&s)
	w.byte(id)
	w.u32(uint32(len(s.b)))
	w.raw(s.b)
}
