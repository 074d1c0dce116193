package sandbox

import "slices"

// maxDataGap is the most zero bytes mergedData writes between two merged
// data segments.
const maxDataGap = 64

// mergedData returns the module's data segments merged where that cannot
// change what an instance starts with: when every segment is active at a
// constant offset and no two overlap, the order they are applied in does
// not matter, so they are sorted by offset and each run of segments at
// most maxDataGap bytes apart becomes one segment, the gaps filled with
// zeros (no segment writes there, and the memory, the module's own,
// starts zeroed; empty segments write nothing and are left out). Every
// merged segment fits the initial memory as its parts do (checkDataFits).
// The Go linker writes a segment per run of non-zero bytes (37,236 for
// examples/hello), and wazero allocates and evaluates per segment and per
// instance. Segment indices matter only to memory.init and data.drop,
// which need a data count section: a module with one, or with a passive
// segment, a non-constant offset, overlapping segments or no memory of
// its own keeps its segments as they are.
func mergedData(m *Module) []Data {
	if m.HasDataCount || len(m.Memories) == 0 || len(m.Data) < 2 {
		return m.Data
	}
	type span struct {
		off uint64
		d   *Data
	}
	spans := make([]span, 0, len(m.Data))
	for i := range m.Data {
		d := &m.Data[i]
		if d.Passive || d.Offset.Op != opI32Const {
			return m.Data
		}
		r := reader{b: d.Offset.Raw}
		off := uint64(uint32(r.s32()))
		if r.err != nil {
			return m.Data
		}
		if len(d.Init) > 0 {
			spans = append(spans, span{off, d})
		}
	}
	if len(spans) == 0 {
		return m.Data
	}
	slices.SortStableFunc(spans, func(a, b span) int {
		switch {
		case a.off < b.off:
			return -1
		case a.off > b.off:
			return 1
		}
		return 0
	})
	for i := 1; i < len(spans); i++ {
		if spans[i].off < spans[i-1].off+uint64(len(spans[i-1].d.Init)) {
			return m.Data // overlapping: the order matters
		}
	}
	out := make([]Data, 0, 16)
	// The first segment of each run keeps its offset expression; Init is a
	// copy, as the input's bytes must not be appended to.
	cur := Data{Offset: spans[0].d.Offset, Init: append([]byte(nil), spans[0].d.Init...)}
	end := spans[0].off + uint64(len(spans[0].d.Init))
	for _, s := range spans[1:] {
		if s.off-end <= maxDataGap {
			cur.Init = append(cur.Init, make([]byte, s.off-end)...)
			cur.Init = append(cur.Init, s.d.Init...)
		} else {
			out = append(out, cur)
			cur = Data{Offset: s.d.Offset, Init: append([]byte(nil), s.d.Init...)}
		}
		end = s.off + uint64(len(s.d.Init))
	}
	return append(out, cur)
}
