package policy

import (
	"sync"
	"sync/atomic"
)

// evictScan is how many of an owner's oldest buckets eviction looks at for
// an idle one before it takes the oldest of them regardless.
const evictScan = 8

// evictTries is how many times a new bucket evicts to make room before it
// is created regardless of the bounds (see TakeAs).
const evictTries = 4

// quota keeps, per owner, the buckets it created in creation order, so that
// an owner at its quota, or the table at its bound, makes room by evicting
// one of that owner's own buckets instead of denying the new one. Owners
// are bindings in hostd; the empty owner (Take) is an owner like any other.
//
// Lock order: shard.mu, then entry.mu, then quota.mu. quota.mu is never
// held while a shard or a value is locked by the same goroutine later.
type quota struct {
	per    int64 // buckets per owner; 0 = no bound
	mu     sync.Mutex
	owners map[string]*fifo
}

// fifo is one owner's buckets, oldest first. Evicted or swept buckets stay
// in q (marked dead) until they reach the front or q is compacted.
type fifo struct {
	live int64
	q    []*bucket
	head int
}

// add reserves a place for b (new, not yet published) of its owner when
// the owner is under its quota and the table under max, or force is set,
// and counts it in total (the table's count). It is called with b's shard
// locked.
func (o *quota) add(b *bucket, total *atomic.Int64, max int64, force bool) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	f := o.owners[b.owner]
	if !force && (o.per > 0 && f != nil && f.live >= o.per || max > 0 && total.Load() >= max) {
		return false
	}
	if f == nil {
		if o.owners == nil {
			o.owners = map[string]*fifo{}
		}
		f = &fifo{}
		o.owners[b.owner] = f
	}
	f.live++
	total.Add(1)
	f.push(b)
	return true
}

// gone accounts for a bucket removed from the table.
func (o *quota) gone(owner string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	f := o.owners[owner]
	if f == nil {
		return
	}
	if f.live--; f.live <= 0 {
		delete(o.owners, owner)
	}
}

// count returns how many live buckets owner created.
func (o *quota) count(owner string) int64 {
	o.mu.Lock()
	defer o.mu.Unlock()
	if f := o.owners[owner]; f != nil {
		return f.live
	}
	return 0
}

// oldest pops owner's oldest live bucket; nil when it has none. With
// owner "" and any true, it pops from the owner holding the most buckets.
func (o *quota) oldest(owner string, any bool) *bucket {
	o.mu.Lock()
	defer o.mu.Unlock()
	f := o.owners[owner]
	if any {
		for _, g := range o.owners {
			if f == nil || g.live > f.live {
				f = g
			}
		}
	}
	if f == nil {
		return nil
	}
	return f.pop()
}

// requeue puts a bucket that eviction looked at and spared back at the
// end of its owner's queue (a second chance).
func (o *quota) requeue(b *bucket) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if f := o.owners[b.owner]; f != nil && !b.dead.Load() {
		f.push(b)
	}
}

func (f *fifo) push(b *bucket) {
	if f.head > 0 && f.head >= len(f.q)/2 {
		f.q = append(f.q[:0], f.q[f.head:]...)
		f.head = 0
	}
	if int64(len(f.q)-f.head) >= 2*f.live+16 { // mostly dead: compact
		live := f.q[:0]
		for _, x := range f.q[f.head:] {
			if !x.dead.Load() {
				live = append(live, x)
			}
		}
		clear(f.q[len(live):])
		f.q, f.head = live, 0
	}
	f.q = append(f.q, b)
}

func (f *fifo) pop() *bucket {
	for f.head < len(f.q) {
		b := f.q[f.head]
		f.q[f.head] = nil
		f.head++
		if !b.dead.Load() {
			return b
		}
	}
	return nil
}

// evict removes one bucket to make room for a new one of owner: when
// global, the table is at its bound and the bucket comes from the owner
// holding the most; otherwise from owner's own. Among up to evictScan of
// the oldest it takes the first idle one (which changes no decision), else
// the oldest it saw (which forgets that client's debt: see the package
// documentation). It reports whether it removed one.
func (l *Limiters) evict(owner string, global bool, t int64) bool {
	var spared []*bucket
	defer func() {
		for _, b := range spared {
			l.own.requeue(b)
		}
	}()
	var first *bucket
	for range evictScan {
		b := l.own.oldest(owner, global)
		if b == nil {
			break
		}
		if l.t.remove(b, func(b *bucket) bool { return b.idle(t) }) {
			l.removed(b.owner)
			return true
		}
		if !b.dead.Load() {
			if first == nil {
				first = b
			} else {
				spared = append(spared, b)
			}
		}
	}
	if first != nil && l.t.remove(first, func(*bucket) bool { return true }) {
		l.removed(first.owner)
		l.evictedBusy.Add(1)
		return true
	}
	return false
}

// removed accounts for a bucket taken out of the table.
func (l *Limiters) removed(owner string) {
	l.own.gone(owner)
	l.n.Add(-1)
}
