package sandbox

import "fmt"

// elements reads the element section in all eight encodings of
// WebAssembly 2.0 (flags bit 0: passive or declarative, bit 1: explicit
// table index or declarative, bit 2: expressions instead of indices).
func (p *parser) elements(r *reader) {
	n := r.count("element segments", p.l.ElemSegments, 3)
	p.m.Elems = make([]Elem, 0, n)
	for i := uint32(0); i < n && r.err == nil; i++ {
		flags := r.u32()
		if r.err != nil {
			return
		}
		if flags > 7 {
			r.failf("element segment %d: flags %d are not 0 to 7", i, flags)
			return
		}
		var e Elem
		what := fmt.Sprintf("element segment %d", i)
		switch {
		case flags&1 == 0:
			e.Mode = 0 // active
			if flags&2 != 0 {
				e.Table = r.u32()
			}
			e.Offset = p.constExpr(r, "offset of "+what)
		case flags&2 == 0:
			e.Mode = 1 // passive
		default:
			e.Mode = 2 // declarative
		}
		e.exprs = flags&4 != 0
		e.RefType = FuncRef
		// An elemkind (0x00 = funcref) or reftype follows, except in the
		// two encodings that imply funcref (flags 0 and 4).
		if flags&3 != 0 {
			k := r.byte()
			switch {
			case r.err != nil:
			case !e.exprs && k != 0x00:
				r.failf("%s: element kind 0x%02x is not funcref (0x00)", what, k)
			case e.exprs && k != FuncRef && k != ExternRef:
				r.failf("%s: 0x%02x is not funcref or externref", what, k)
			case e.exprs:
				e.RefType = k
			}
		}
		items := r.count("items of "+what, 0, 1)
		p.elemItems += uint64(items)
		if err := over("items of all element segments", p.elemItems, uint64(p.l.ElemItems)); err != nil && r.err == nil {
			r.err = err
			return
		}
		if e.exprs {
			e.Exprs = make([]ConstExpr, 0, items)
			for j := uint32(0); j < items && r.err == nil; j++ {
				x := p.constExpr(r, fmt.Sprintf("item %d of %s", j, what))
				if r.err == nil && x.Op != 0xd0 && x.Op != opRefFunc && x.Op != opGlobalGet {
					r.failf("item %d of %s: 0x%02x is not ref.null, ref.func or global.get", j, what, x.Op)
				}
				e.Exprs = append(e.Exprs, x)
			}
		} else {
			e.Funcs = make([]uint32, 0, items)
			for j := uint32(0); j < items && r.err == nil; j++ {
				f := r.u32()
				if r.err == nil && f >= p.m.NumFuncs() {
					r.failf("item %d of %s: function %d does not exist", j, what, f)
				}
				e.Funcs = append(e.Funcs, f)
			}
		}
		p.m.Elems = append(p.m.Elems, e)
	}
}
