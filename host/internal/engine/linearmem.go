package engine

import (
	"fmt"
	"sync"

	"github.com/tetratelabs/wazero/experimental"
)

// linearMemory backs one instance's Wasm memory and charges its size to
// the engine's memory budget. The backing store is reserved at its
// maximum once (mapRegion) and never moves, so growing costs no copy, and
// it is unmapped when the instance closes, so the host gets the memory
// back at once rather than at the Go collector's pace.
type linearMemory struct {
	b       *budget
	prepaid int64 // reserved before instantiation, consumed by the first Reallocate

	mu      sync.Mutex
	region  []byte // the whole reservation
	size    int64  // bytes in use (charged to the budget)
	refused bool   // a grow was refused for want of budget
	free    func()
}

// newLinearMemory maps the region for a memory of up to limit bytes and
// prepays its initial size. It fails, taking nothing, when the budget has
// no room for the initial size or the address space is exhausted.
func newLinearMemory(b *budget, limit, initial int64) (*linearMemory, error) {
	if !b.reserveMemory(initial) {
		return nil, ErrOverloaded
	}
	region, free, err := mapRegion(int(limit))
	if err != nil {
		b.releaseMemory(initial)
		return nil, fmt.Errorf("engine: reserve %d bytes of memory: %w", limit, err)
	}
	return &linearMemory{b: b, prepaid: initial, region: region, free: free}, nil
}

// allocator hands wazero the mapped region. wazero asks for a maximum no
// larger than the engine's memory limit, which is the region's size.
func (lm *linearMemory) allocator() experimental.MemoryAllocator {
	return experimental.MemoryAllocatorFunc(func(_, _ uint64) experimental.LinearMemory { return lm })
}

// Reallocate implements experimental.LinearMemory: it returns the first
// size bytes, or nil (memory.grow answers -1) when size is over the
// reservation or the budget has no room left.
func (lm *linearMemory) Reallocate(size uint64) []byte {
	lm.mu.Lock()
	defer lm.mu.Unlock()
	if size > uint64(len(lm.region)) {
		return nil
	}
	delta := int64(size) - lm.size
	if delta > 0 {
		pay := min(delta, lm.prepaid)
		lm.prepaid -= pay
		if !lm.b.reserveMemory(delta - pay) {
			lm.prepaid += pay
			lm.refused = true
			return nil
		}
	}
	lm.size = int64(size)
	return lm.region[:size:size]
}

// Free implements experimental.LinearMemory.
func (lm *linearMemory) Free() {
	lm.mu.Lock()
	defer lm.mu.Unlock()
	if lm.free != nil {
		lm.free()
		lm.free, lm.region = nil, nil
	}
	lm.b.releaseMemory(lm.size + lm.prepaid)
	lm.size, lm.prepaid = 0, 0
}

func (lm *linearMemory) refusedGrow() bool {
	lm.mu.Lock()
	defer lm.mu.Unlock()
	return lm.refused
}
