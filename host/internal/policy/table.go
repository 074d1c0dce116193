package policy

import (
	"sync"
	"sync/atomic"
)

// nShards is the number of independently locked shards of a table. A power
// of two, so a hash is reduced with a mask.
const nShards = 64

// entry is embedded in every value of a table: its mutex guards the
// value, and dead marks a value evicted by sweep after a caller looked it
// up, so that the caller looks the name up again instead of updating a
// value nobody else will see.
type entry struct {
	mu    sync.Mutex
	dead  atomic.Bool // set under mu (and the shard lock); read also without
	owner string      // who created it (see owners); set before it is published
	name  string      // its key in the shard's map; set before it is published
}

func (e *entry) base() *entry { return e }

// table is a concurrent map from names to values, split into shards so
// that lookups of different names rarely touch the same lock. Values are
// created zero-valued and never replaced while live; each has its own
// mutex, so the shard lock is held only for the map operation itself.
//
// Lock order: shard.mu before a value's entry.mu (sweep, each); the hot
// path (lock) never holds both.
type table[T any, P interface {
	*T
	base() *entry
}] struct {
	shards [nShards]shard[T]
}

type shard[T any] struct {
	mu sync.RWMutex
	m  map[string]*T
	_  [32]byte // keeps neighbouring shard locks off one cache line
}

// shardOf returns the shard that holds name (FNV-1a, no allocation).
func (t *table[T, P]) shardOf(name []byte) *shard[T] {
	h := uint32(2166136261)
	for _, c := range name {
		h ^= uint32(c)
		h *= 16777619
	}
	return &t.shards[h&(nShards-1)]
}

// get returns the entry for name, or nil. The conversion in the map index
// does not allocate.
func (s *shard[T]) get(name []byte) *T {
	s.mu.RLock()
	e := s.m[string(name)]
	s.mu.RUnlock()
	return e
}

// getOrAdd returns the entry for name, adding a zero entry when there is
// none and room allows; room is called with the shard locked and the new,
// initialised entry, and reports (and reserves) a free slot. It returns nil
// when there is no room.
func (s *shard[T]) getOrAdd(name []byte, room func(*T) bool, init func(*T)) *T {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := s.m[string(name)]; e != nil {
		return e
	}
	e := new(T)
	init(e)
	if !room(e) {
		return nil
	}
	if s.m == nil {
		s.m = make(map[string]*T)
	}
	s.m[string(name)] = e
	return e
}

// lock returns the live value called name with its mutex held, adding a
// zero value when there is none and room allows; nil when there is no
// room.
func (t *table[T, P]) lock(name []byte, owner string, room func(*T) bool) *T {
	s := t.shardOf(name)
	for {
		v := s.get(name)
		if v == nil {
			if v = s.getOrAdd(name, room, func(v *T) { e := P(v).base(); e.owner, e.name = owner, string(name) }); v == nil {
				return nil
			}
		}
		e := P(v).base()
		e.mu.Lock()
		if !e.dead.Load() {
			return v
		}
		e.mu.Unlock()
	}
}

// sweep deletes every value for which evict returns true and returns how
// many it deleted. evict runs with the shard and the value locked.
func (t *table[T, P]) sweep(evict func(*T) bool) int {
	n := 0
	for i := range t.shards {
		s := &t.shards[i]
		s.mu.Lock()
		for k, v := range s.m {
			e := P(v).base()
			e.mu.Lock()
			if evict(v) {
				e.dead.Store(true)
				delete(s.m, k)
				n++
			}
			e.mu.Unlock()
		}
		s.mu.Unlock()
	}
	return n
}

// each calls f for every live value with its name, shard by shard, with
// the shard read-locked and the value locked.
func (t *table[T, P]) each(f func(name string, v *T)) {
	for i := range t.shards {
		s := &t.shards[i]
		s.mu.RLock()
		for k, v := range s.m {
			e := P(v).base()
			e.mu.Lock()
			f(k, v)
			e.mu.Unlock()
		}
		s.mu.RUnlock()
	}
}

// remove deletes v (found by its name) if it is still live and evict, run
// with the shard and the value locked, agrees; it reports whether it did.
func (t *table[T, P]) remove(v *T, evict func(*T) bool) bool {
	e := P(v).base()
	s := t.shardOf([]byte(e.name))
	s.mu.Lock()
	defer s.mu.Unlock()
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.dead.Load() || s.m[e.name] != v || !evict(v) {
		return false
	}
	e.dead.Store(true)
	delete(s.m, e.name)
	return true
}
