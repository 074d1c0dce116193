package sandbox

// names writes the name section with the module name, the function names
// and the local names of the original (function indices renumbered), so
// that wazero's stack traces keep naming the plugin's functions. Other
// subsections and a malformed name section are dropped: names are for
// people, never needed to run.
func (x *rewriter) names(w *writer) {
	var data []byte
	for _, c := range x.m.Customs {
		if c.Name == "name" {
			data = c.Data
		}
	}
	if data == nil {
		return
	}
	out, ok := x.rewriteNames(data)
	if !ok || len(out) == 0 {
		return
	}
	w.section(secCustom, func(s *writer) {
		s.name("name")
		s.raw(out)
	})
}

func (x *rewriter) rewriteNames(data []byte) ([]byte, bool) {
	r := reader{b: data}
	var out writer
	for !r.done() {
		id := r.byte()
		size := r.u32()
		sub := r.bytes(size)
		if r.err != nil {
			return nil, false
		}
		switch id {
		case 0: // module name
			out.byte(0)
			out.bytesVec(sub)
		case 1: // function names: namemap
			b, ok := x.nameMap(sub)
			if !ok {
				return nil, false
			}
			out.byte(1)
			out.bytesVec(b)
		case 2: // local names: indirect namemap keyed by function index
			b, ok := x.localNames(sub)
			if !ok {
				return nil, false
			}
			out.byte(2)
			out.bytesVec(b)
		}
	}
	return out.b, true
}

func (x *rewriter) nameMap(sub []byte) ([]byte, bool) {
	r := reader{b: sub}
	n := r.count("names", 0, 2)
	var w writer
	w.u32(n)
	for i := uint32(0); i < n && r.err == nil; i++ {
		idx, name := r.u32(), r.name()
		w.u32(x.fn(idx))
		w.name(name)
	}
	return w.b, r.err == nil && r.done()
}

func (x *rewriter) localNames(sub []byte) ([]byte, bool) {
	r := reader{b: sub}
	n := r.count("functions", 0, 2)
	var w writer
	w.u32(n)
	for i := uint32(0); i < n && r.err == nil; i++ {
		w.u32(x.fn(r.u32()))
		m := r.count("locals", 0, 2)
		w.u32(m)
		for j := uint32(0); j < m && r.err == nil; j++ {
			w.u32(r.u32())
			w.name(r.name())
		}
	}
	return w.b, r.err == nil && r.done()
}
