package policy

// nSlots is how many slots a breaker's window is divided into: outcomes
// age out a tenth of a window at a time, and memory stays fixed.
const nSlots = 10

// ring counts call outcomes over a sliding window of nSlots slots of width
// nanoseconds each. A slot belongs to the window while its index is within
// the last nSlots indexes; the window therefore covers between
// (nSlots-1)/nSlots and the whole configured duration.
type ring struct {
	width int64
	slots [nSlots]slot
}

type slot struct {
	idx               int64
	ok, fail, latency int64 // latency: sum, in nanoseconds
}

// counts are the sums of a ring's live slots.
type counts struct {
	ok, fail, latency int64
}

// reset empties the ring and sets the slot width for a window.
func (r *ring) reset(window int64) {
	r.width = max(window/nSlots, 1)
	for i := range r.slots {
		r.slots[i] = slot{idx: never}
	}
}

// add records one outcome at t.
func (r *ring) add(t int64, success bool, latency int64) {
	idx := floorDiv(t, r.width)
	s := &r.slots[uint64(idx)%nSlots]
	if s.idx != idx {
		*s = slot{idx: idx}
	}
	if success {
		s.ok++
	} else {
		s.fail++
	}
	s.latency += max(latency, 0)
}

// sum returns the counts of the window that ends at t.
func (r *ring) sum(t int64) counts {
	idx := floorDiv(t, r.width)
	var c counts
	for i := range r.slots {
		s := &r.slots[i]
		if s.idx > idx-nSlots && s.idx <= idx {
			c.ok += s.ok
			c.fail += s.fail
			c.latency += s.latency
		}
	}
	return c
}

// empty reports whether nothing is counted in the window that ends at t.
func (r *ring) empty(t int64) bool {
	c := r.sum(t)
	return c.ok == 0 && c.fail == 0
}
