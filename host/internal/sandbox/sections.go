package sandbox

import "fmt"

// The parsers of the sections other than code and element (code.go,
// elem.go). Each reads one section's vector, checking its count against
// the limits before allocating for it.

func (p *parser) custom(r *reader) {
	name := r.name()
	if r.err != nil {
		return
	}
	p.m.Customs = append(p.m.Customs, Custom{Name: name, Data: r.b[r.off:]})
	r.off = len(r.b)
}

func (p *parser) types(r *reader) {
	n := r.count("function types", p.l.Types, 3)
	p.m.Types = make([]FuncType, 0, n)
	for i := uint32(0); i < n && r.err == nil; i++ {
		if f := r.byte(); f != 0x60 && r.err == nil {
			r.failf("type %d: form 0x%02x is not a function type (0x60)", i, f)
			return
		}
		params := p.valTypes(r, fmt.Sprintf("parameters of type %d", i))
		results := p.valTypes(r, fmt.Sprintf("results of type %d", i))
		if r.err == nil && uint64(len(params)+len(results)) > uint64(p.l.TypeArity) {
			r.err = &LimitError{What: fmt.Sprintf("parameters and results of type %d", i),
				Got: uint64(len(params) + len(results)), Max: uint64(p.l.TypeArity)}
		}
		p.m.Types = append(p.m.Types, FuncType{Params: params, Results: results})
	}
}

func (p *parser) valTypes(r *reader, what string) []byte {
	n := r.count(what, p.l.TypeArity, 1)
	b := r.bytes(n)
	for _, t := range b {
		if !isValType(t) {
			r.failf("%s: 0x%02x is not a WebAssembly 2.0 value type", what, t)
		}
	}
	return b
}

func isValType(t byte) bool {
	switch t {
	case I32, I64, F32, F64, V128, FuncRef, ExternRef:
		return true
	}
	return false
}

func (p *parser) typeIndex(r *reader, what string) uint32 {
	idx := r.u32()
	if r.err == nil && idx >= uint32(len(p.m.Types)) {
		r.failf("%s: type %d does not exist", what, idx)
	}
	return idx
}

func (p *parser) imports(r *reader) {
	n := r.count("imports", p.l.Imports, 4)
	p.m.Imports = make([]Import, 0, n)
	for i := uint32(0); i < n && r.err == nil; i++ {
		mod, name := r.name(), r.name()
		kind := r.byte()
		if r.err != nil {
			return
		}
		if kind != KindFunc {
			r.failf("import %s.%s is a %s; plugins may import only functions", mod, name, kindName(kind))
			return
		}
		t := p.typeIndex(r, "import "+mod+"."+name)
		p.m.Imports = append(p.m.Imports, Import{Module: mod, Name: name, Type: t})
	}
}

func kindName(k byte) string {
	switch k {
	case KindFunc:
		return "function"
	case KindTable:
		return "table"
	case KindMemory:
		return "memory"
	case KindGlobal:
		return "global"
	}
	return fmt.Sprintf("kind 0x%02x", k)
}

func (p *parser) functions(r *reader) {
	n := r.count("functions", p.l.Functions, 1)
	p.m.Funcs = make([]uint32, 0, n)
	for i := uint32(0); i < n && r.err == nil; i++ {
		p.m.Funcs = append(p.m.Funcs, p.typeIndex(r, fmt.Sprintf("function %d", i)))
	}
}

func (p *parser) tables(r *reader) {
	n := r.count("tables", p.l.Tables, 3)
	for i := uint32(0); i < n && r.err == nil; i++ {
		t := r.byte()
		if t == 0x40 || t == 0x63 || t == 0x64 {
			r.failf("table %d uses an encoding of the typed function references proposal (0x%02x), which hostd does not accept", i, t)
			return
		}
		if t != FuncRef && t != ExternRef {
			r.failf("table %d: element type 0x%02x is not funcref or externref", i, t)
			return
		}
		min, max, hasMax := p.limits(r, fmt.Sprintf("table %d", i))
		if r.err != nil {
			return
		}
		what := fmt.Sprintf("elements of table %d", i)
		if err := over("initial "+what, uint64(min), uint64(p.l.TableElements)); err != nil {
			r.err = err
			return
		}
		if hasMax {
			if err := over("maximum "+what, uint64(max), uint64(p.l.TableElements)); err != nil {
				r.err = err
				return
			}
		}
		p.m.Tables = append(p.m.Tables, Table{RefType: t, Min: min, Max: max, HasMax: hasMax})
	}
}

// limits reads a limits structure of a table or a memory: flag 0 (min) or
// 1 (min, max); shared (2, 3) and 64-bit (4 and up) forms are refused.
func (p *parser) limits(r *reader, what string) (min, max uint32, hasMax bool) {
	flag := r.byte()
	if r.err != nil {
		return
	}
	if flag > 1 {
		r.failf("%s: limits flag 0x%02x (shared or 64-bit) is not accepted", what, flag)
		return
	}
	min = r.u32()
	if flag == 1 {
		max, hasMax = r.u32(), true
		if r.err == nil && max < min {
			r.failf("%s: maximum %d is below minimum %d", what, max, min)
		}
	}
	return
}

func (p *parser) memories(r *reader) {
	n := r.count("memories", 1, 2)
	for i := uint32(0); i < n && r.err == nil; i++ {
		min, max, hasMax := p.limits(r, "memory")
		if r.err != nil {
			return
		}
		if err := over("initial memory pages", uint64(min), uint64(p.l.MemoryPages)); err != nil {
			r.err = err
			return
		}
		if min > 65536 || max > 65536 {
			r.failf("memory: more than 65536 pages (4 GiB)")
			return
		}
		p.m.Memories = append(p.m.Memories, Memory{Min: min, Max: max, HasMax: hasMax})
	}
}

func (p *parser) globals(r *reader) {
	n := r.count("globals", p.l.Globals, 3)
	p.m.Globals = make([]Global, 0, n)
	for i := uint32(0); i < n && r.err == nil; i++ {
		t := r.byte()
		if r.err == nil && !isValType(t) {
			r.failf("global %d: 0x%02x is not a value type", i, t)
			return
		}
		mut := r.byte()
		if r.err == nil && mut > 1 {
			r.failf("global %d: mutability 0x%02x is not 0 or 1", i, mut)
			return
		}
		init := p.constExpr(r, fmt.Sprintf("initializer of global %d", i))
		p.m.Globals = append(p.m.Globals, Global{Type: t, Mutable: mut == 1, Init: init})
	}
}

func (p *parser) exports(r *reader) {
	n := r.count("exports", p.l.Exports, 3)
	p.m.Exports = make([]Export, 0, n)
	seen := make(map[string]bool, n)
	for i := uint32(0); i < n && r.err == nil; i++ {
		name := r.name()
		kind := r.byte()
		idx := r.u32()
		if r.err != nil {
			return
		}
		if seen[name] {
			r.failf("export %q is declared twice", name)
			return
		}
		seen[name] = true
		if kind > KindGlobal {
			r.failf("export %q: kind 0x%02x is not a WebAssembly 2.0 export kind", name, kind)
			return
		}
		p.m.Exports = append(p.m.Exports, Export{Name: name, Kind: kind, Index: idx})
	}
}

// constExpr reads one constant instruction and end.
func (p *parser) constExpr(r *reader, what string) ConstExpr {
	var e ConstExpr
	start := r.off
	e.Op = r.byte()
	switch e.Op {
	case 0x41:
		r.s32()
	case 0x42:
		r.s64()
	case 0x43:
		r.bytes(4)
	case 0x44:
		r.bytes(8)
	case 0xd0:
		if t := r.byte(); r.err == nil && t != FuncRef && t != ExternRef {
			r.failf("%s: ref.null of 0x%02x", what, t)
		}
	case 0xd2:
		e.Index = r.u32()
	case 0x23:
		e.Index = r.u32()
	case 0xfd:
		if sub := r.u32(); r.err == nil && sub != 12 {
			r.failf("%s: SIMD instruction %d is not constant", what, sub)
		}
		r.bytes(16)
	default:
		if r.err == nil {
			r.failf("%s: instruction 0x%02x is not a WebAssembly 2.0 constant instruction", what, e.Op)
		}
	}
	if r.err != nil {
		return e
	}
	e.Raw = r.b[start+1 : r.off]
	if end := r.byte(); r.err == nil && end != 0x0b {
		r.failf("%s: a constant expression is one instruction followed by end (got 0x%02x)", what, end)
	}
	return e
}

func (p *parser) data(r *reader) {
	n := r.count("data segments", p.l.DataSegments, 2)
	p.m.Data = make([]Data, 0, n)
	for i := uint32(0); i < n && r.err == nil; i++ {
		var d Data
		switch flag := r.u32(); flag {
		case 0:
			d.Offset = p.constExpr(r, fmt.Sprintf("offset of data segment %d", i))
		case 1:
			d.Passive = true
		case 2:
			if mem := r.u32(); r.err == nil && mem != 0 {
				r.failf("data segment %d: memory %d does not exist", i, mem)
			}
			d.Offset = p.constExpr(r, fmt.Sprintf("offset of data segment %d", i))
		default:
			if r.err == nil {
				r.failf("data segment %d: flags %d are not 0, 1 or 2", i, flag)
			}
		}
		size := r.u32()
		p.dataBytes += uint64(size)
		if err := over("bytes of all data segments", p.dataBytes, uint64(p.l.DataBytes)); err != nil && r.err == nil {
			r.err = err
		}
		d.Init = r.bytes(size)
		p.m.Data = append(p.m.Data, d)
	}
}
