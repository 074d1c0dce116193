package wasmgen

// section returns the body of the standard section id and whether the
// module has one.
func (m *Module) section(id byte) ([]byte, bool) {
	b := &Buf{}
	switch id {
	case SecType:
		if len(m.Types) == 0 {
			return nil, false
		}
		b.U32(uint32(len(m.Types)))
		for _, t := range m.Types {
			b.Byte(0x60).U32(uint32(len(t.Params))).Byte(valTypes(t.Params)...)
			b.U32(uint32(len(t.Results))).Byte(valTypes(t.Results)...)
		}
	case SecImport:
		if len(m.Imports) == 0 {
			return nil, false
		}
		b.U32(uint32(len(m.Imports)))
		for _, im := range m.Imports {
			b.Name(im.Module).Name(im.Name).Byte(0x00).U32(im.Type)
		}
	case SecFunction:
		if len(m.Funcs) == 0 {
			return nil, false
		}
		b.U32(uint32(len(m.Funcs)))
		for _, f := range m.Funcs {
			b.U32(f.Type)
		}
	case SecTable:
		if len(m.Tables) == 0 {
			return nil, false
		}
		b.U32(uint32(len(m.Tables)))
		for _, t := range m.Tables {
			t.encode(b)
		}
	case SecMemory:
		if len(m.Memories) == 0 {
			return nil, false
		}
		b.U32(uint32(len(m.Memories)))
		for _, l := range m.Memories {
			l.encode(b)
		}
	case SecGlobal:
		if len(m.Globals) == 0 {
			return nil, false
		}
		b.U32(uint32(len(m.Globals)))
		for _, g := range m.Globals {
			mut := byte(0)
			if g.Mutable {
				mut = 1
			}
			b.Byte(byte(g.Type), mut).Byte(g.Init...).Byte(OpEnd)
		}
	case SecExport:
		if len(m.Exports) == 0 {
			return nil, false
		}
		b.U32(uint32(len(m.Exports)))
		for _, e := range m.Exports {
			b.Name(e.Name).Byte(byte(e.Kind)).U32(e.Index)
		}
	case SecStart:
		if m.Start == nil {
			return nil, false
		}
		b.U32(*m.Start)
	case SecElement:
		if len(m.Elems) == 0 {
			return nil, false
		}
		b.U32(uint32(len(m.Elems)))
		for _, e := range m.Elems {
			e.encode(b)
		}
	case SecDataCount:
		if !m.DataCount {
			return nil, false
		}
		b.U32(uint32(len(m.Data)))
	case SecCode:
		if len(m.Funcs) == 0 {
			return nil, false
		}
		b.U32(uint32(len(m.Funcs)))
		for _, f := range m.Funcs {
			body := &Buf{}
			body.U32(uint32(len(f.Locals)))
			for _, l := range f.Locals {
				body.U32(l.Count).Byte(byte(l.Type))
			}
			body.Byte(f.Code...).Byte(OpEnd)
			b.Bytes(body.B)
		}
	case SecData:
		if len(m.Data) == 0 {
			return nil, false
		}
		b.U32(uint32(len(m.Data)))
		for _, d := range m.Data {
			d.encode(b)
		}
	default:
		return nil, false
	}
	return b.B, true
}

func valTypes(ts []ValType) []byte {
	out := make([]byte, len(ts))
	for i, t := range ts {
		out[i] = byte(t)
	}
	return out
}

func (l Limits) encode(b *Buf) {
	if l.HasMax {
		b.Byte(0x01).U32(l.Min).U32(l.Max)
		return
	}
	b.Byte(0x00).U32(l.Min)
}

func (t Table) encode(b *Buf) {
	typ := t.Type
	if typ == 0 {
		typ = FuncRef
	}
	switch t.Encoding {
	case TableRefNull:
		b.Byte(0x63, byte(typ))
		t.Limits.encode(b)
	case TableInit:
		b.Byte(0x40, 0x00, byte(typ))
		t.Limits.encode(b)
		b.Byte(t.Init...).Byte(OpEnd)
	default:
		b.Byte(byte(typ))
		t.Limits.encode(b)
	}
}

func (e Elem) encode(b *Buf) {
	switch {
	case e.Mode == ElemPassive:
		b.Byte(0x01, 0x00) // flag 1, elemkind funcref
	case e.Mode == ElemDeclarative:
		b.Byte(0x03, 0x00)
	case e.Table == 0:
		b.Byte(0x00).Byte(e.Offset...).Byte(OpEnd)
	default:
		b.Byte(0x02).U32(e.Table).Byte(e.Offset...).Byte(OpEnd).Byte(0x00)
	}
	b.U32(uint32(len(e.Funcs)))
	for _, f := range e.Funcs {
		b.U32(f)
	}
}

func (d Data) encode(b *Buf) {
	switch {
	case d.Passive:
		b.Byte(0x01)
	case d.Memory == 0:
		b.Byte(0x00).Byte(d.Offset...).Byte(OpEnd)
	default:
		b.Byte(0x02).U32(d.Memory).Byte(d.Offset...).Byte(OpEnd)
	}
	b.Bytes(d.Bytes)
}
