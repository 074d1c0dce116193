package engine

import (
	"sync"
	"sync/atomic"
)

// budget is what all pools of an engine share: a number of live instances
// and bytes of guest memory (linear memories and grown call stacks). It
// makes the total a plugin can make the host spend independent of how
// many routes bind it.
type budget struct {
	maxInstances int64
	maxMemory    int64
	instances    atomic.Int64
	memory       atomic.Int64

	mu     sync.Mutex
	pools  map[*Pool]struct{} // pools with idle instances that may be evicted
	next   []*Pool            // eviction order, rebuilt from pools when used up
	freedC chan struct{}      // closed when an instance slot is released
}

func newBudget(maxInstances int, maxMemory int64) *budget {
	return &budget{maxInstances: int64(maxInstances), maxMemory: maxMemory, pools: map[*Pool]struct{}{}}
}

func reserve(v *atomic.Int64, n, max int64) bool {
	for {
		cur := v.Load()
		if cur+n > max {
			return false
		}
		if v.CompareAndSwap(cur, cur+n) {
			return true
		}
	}
}

// reserveMemory takes n bytes of the memory budget, or reports false.
func (b *budget) reserveMemory(n int64) bool {
	if n <= 0 {
		return true
	}
	return reserve(&b.memory, n, b.maxMemory)
}

func (b *budget) releaseMemory(n int64) {
	if n > 0 {
		b.memory.Add(-n)
	}
}

// acquireInstance takes an instance slot, evicting an idle instance of
// another pool when the budget is used up. It reports false when every
// slot is held by a busy instance.
func (b *budget) acquireInstance(self *Pool) bool {
	for attempt := 0; ; attempt++ {
		if reserve(&b.instances, 1, b.maxInstances) {
			return true
		}
		if attempt >= 8 || !b.evictIdle(self) {
			return false
		}
	}
}

func (b *budget) releaseInstance() {
	b.instances.Add(-1)
	b.mu.Lock()
	if b.freedC != nil {
		close(b.freedC)
		b.freedC = nil
	}
	b.mu.Unlock()
}

// freed returns a channel closed at the next releaseInstance.
func (b *budget) freed() <-chan struct{} {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.freedC == nil {
		b.freedC = make(chan struct{})
	}
	return b.freedC
}

func (b *budget) register(p *Pool) {
	b.mu.Lock()
	b.pools[p] = struct{}{}
	b.mu.Unlock()
}

func (b *budget) unregister(p *Pool) {
	b.mu.Lock()
	delete(b.pools, p)
	b.mu.Unlock()
}

// evictIdle closes one idle instance of a pool other than self, taking the
// pools in turn so that no pool is drained first every time.
func (b *budget) evictIdle(self *Pool) bool {
	b.mu.Lock()
	candidates := len(b.pools)
	b.mu.Unlock()
	for range candidates + 1 {
		p := b.nextPool()
		if p == nil {
			return false
		}
		if p == self {
			continue
		}
		if p.evictOne() {
			return true
		}
	}
	return false
}

func (b *budget) nextPool() *Pool {
	b.mu.Lock()
	defer b.mu.Unlock()
	for len(b.next) > 0 {
		p := b.next[0]
		b.next = b.next[1:]
		if _, ok := b.pools[p]; ok {
			return p
		}
	}
	for p := range b.pools {
		b.next = append(b.next, p)
	}
	if len(b.next) == 0 {
		return nil
	}
	p := b.next[0]
	b.next = b.next[1:]
	return p
}

func clampBudget(n int64) int64 {
	return min(max(n, 256<<20), 8<<30)
}

// Capacity is the engine-wide budget and what is in use.
type Capacity struct {
	Instances, MaxInstances     int64
	MemoryBytes, MaxMemoryBytes int64
}

// Capacity reports the engine-wide budget and its use.
func (e *Engine) Capacity() Capacity {
	b := e.budget
	return Capacity{Instances: b.instances.Load(), MaxInstances: b.maxInstances,
		MemoryBytes: b.memory.Load(), MaxMemoryBytes: b.maxMemory}
}
