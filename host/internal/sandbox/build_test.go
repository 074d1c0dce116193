package sandbox

// modBuilder assembles test modules with the package's own writer, for the
// shapes WAT makes awkward (millions of items, raw malformed bytes).
type modBuilder struct {
	types   [][]byte // encoded function types
	imports [][]byte
	funcs   []uint32
	bodies  [][]byte
	extra   []rawSection // sections written as given, in id order
	exports [][]byte
	memory  []byte
	globals [][]byte
	tables  [][]byte
	start   *uint32
}

type rawSection struct {
	id   byte
	data []byte
}

func (b *modBuilder) typ(params, results []byte) uint32 {
	var w writer
	w.byte(0x60)
	w.bytesVec(params)
	w.bytesVec(results)
	b.types = append(b.types, w.b)
	return uint32(len(b.types) - 1)
}

func (b *modBuilder) importFunc(mod, name string, t uint32) uint32 {
	var w writer
	w.name(mod)
	w.name(name)
	w.byte(KindFunc)
	w.u32(t)
	b.imports = append(b.imports, w.b)
	return uint32(len(b.imports) - 1)
}

// fn adds a function; locals is the encoded local declarations (nil: none)
// and code its instructions including the final end.
func (b *modBuilder) fn(t uint32, locals []byte, code []byte) uint32 {
	if locals == nil {
		locals = []byte{0}
	}
	b.funcs = append(b.funcs, t)
	b.bodies = append(b.bodies, append(append([]byte(nil), locals...), code...))
	return uint32(len(b.imports) + len(b.funcs) - 1)
}

func (b *modBuilder) export(name string, kind byte, idx uint32) {
	var w writer
	w.name(name)
	w.byte(kind)
	w.u32(idx)
	b.exports = append(b.exports, w.b)
}

func (b *modBuilder) bytes() []byte {
	w := writer{b: []byte{0, 'a', 's', 'm', 1, 0, 0, 0}}
	vec := func(id byte, items [][]byte) {
		if len(items) == 0 {
			return
		}
		w.section(id, func(s *writer) {
			s.u32(uint32(len(items)))
			for _, it := range items {
				s.raw(it)
			}
		})
	}
	extra := func(id byte) {
		for _, s := range b.extra {
			if s.id == id {
				w.byte(s.id)
				w.bytesVec(s.data)
			}
		}
	}
	vec(secType, b.types)
	vec(secImport, b.imports)
	if len(b.funcs) > 0 {
		w.section(secFunction, func(s *writer) {
			s.u32(uint32(len(b.funcs)))
			for _, f := range b.funcs {
				s.u32(f)
			}
		})
	}
	vec(secTable, b.tables)
	if b.memory != nil {
		w.section(secMemory, func(s *writer) { s.u32(1); s.raw(b.memory) })
	}
	vec(secGlobal, b.globals)
	vec(secExport, b.exports)
	if b.start != nil {
		w.section(secStart, func(s *writer) { s.u32(*b.start) })
	}
	extra(secElement)
	if len(b.bodies) > 0 {
		w.section(secCode, func(s *writer) {
			s.u32(uint32(len(b.bodies)))
			for _, body := range b.bodies {
				s.bytesVec(body)
			}
		})
	}
	extra(secData)
	extra(secCustom)
	return w.b
}

// code concatenates instruction bytes and LEB128-encoded immediates given
// as ints (u32 for non-negative values).
func code(parts ...any) []byte {
	var w writer
	for _, p := range parts {
		switch v := p.(type) {
		case byte:
			w.byte(v)
		case int:
			w.u32(uint32(v))
		case []byte:
			w.raw(v)
		default:
			panic("code: unsupported part")
		}
	}
	return w.b
}
