// Package bytecache is a least-recently-used cache bounded by bytes, per
// owner and in total, for host-side state that plugins cause the host to
// keep (parsed jwt_verify policies, verified tokens). An owner (a plugin binding, in hostd)
// that keeps adding entries evicts its own least recently used ones; only
// the total bound, which is larger than one owner's, makes an owner evict
// another's, and then the least recently used entry of all. The accounted
// size of an entry is its key, the size the caller gives for its value and
// a fixed overhead. It uses the standard library only.
package bytecache

import "sync"

// EntryOverhead is what every entry is charged beyond its key and value:
// the map slot, the list node and their headers, rounded up.
const EntryOverhead = 160

// Cache maps (owner, key) to values of type V. The zero value is not
// usable; call New. It is safe for concurrent use.
type Cache[V any] struct {
	perOwner, total int64

	mu     sync.Mutex
	used   int64
	owners map[string]*owner[V]
	all    list[V] // every entry, most recently used first
}

type owner[V any] struct {
	name  string
	m     map[string]*node[V]
	lru   list[V] // this owner's entries, most recently used first
	bytes int64
}

type node[V any] struct {
	o              *owner[V]
	key            string
	v              V
	size           int64
	prevO, nextO   *node[V] // in o.lru
	prevAll, nextA *node[V] // in Cache.all
}

// New returns a cache holding at most perOwner bytes of any one owner and
// total bytes in all.
func New[V any](perOwner, total int64) *Cache[V] {
	return &Cache[V]{perOwner: perOwner, total: total, owners: map[string]*owner[V]{}}
}

// Get returns owner's value for key and marks it recently used. It does
// not allocate.
func (c *Cache[V]) Get(ownerName string, key []byte) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var zero V
	o := c.owners[ownerName]
	if o == nil {
		return zero, false
	}
	n := o.m[string(key)]
	if n == nil {
		return zero, false
	}
	o.lru.toFront(n, false)
	c.all.toFront(n, true)
	return n.v, true
}

// Put stores v for owner's key, charged len(key) + size + EntryOverhead
// bytes, evicting the owner's least recently used entries until the owner
// fits, then the least recently used of all until the total fits. An entry
// larger than an owner's bound is not stored.
func (c *Cache[V]) Put(ownerName string, key []byte, v V, size int64) {
	cost := int64(len(key)) + max(size, 0) + EntryOverhead
	if cost > c.perOwner || cost > c.total {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	o := c.owners[ownerName]
	if o == nil {
		o = &owner[V]{name: ownerName, m: map[string]*node[V]{}}
		c.owners[ownerName] = o
	}
	if old := o.m[string(key)]; old != nil {
		c.remove(old)
	}
	for o.bytes+cost > c.perOwner && o.lru.tail != nil {
		c.remove(o.lru.tail)
	}
	for c.used+cost > c.total && c.all.tail != nil {
		c.remove(c.all.tail)
	}
	if c.owners[ownerName] == nil { // emptied and dropped by remove
		c.owners[ownerName] = o
	}
	n := &node[V]{o: o, key: string(key), v: v, size: cost}
	o.m[n.key] = n
	o.lru.pushFront(n, false)
	c.all.pushFront(n, true)
	o.bytes += cost
	c.used += cost
}

// remove deletes n; c.mu is held.
func (c *Cache[V]) remove(n *node[V]) {
	o := n.o
	delete(o.m, n.key)
	o.lru.unlink(n, false)
	c.all.unlink(n, true)
	o.bytes -= n.size
	c.used -= n.size
	if len(o.m) == 0 {
		delete(c.owners, o.name)
	}
}

// DeleteFunc removes every entry, of any owner, whose key del reports
// true for. It walks all entries under the cache's lock: for rare events
// (a key set replaced), not per call.
func (c *Cache[V]) DeleteFunc(del func(key string) bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for n := c.all.head; n != nil; {
		next := n.nextA
		if del(n.key) {
			c.remove(n)
		}
		n = next
	}
}

// Bytes returns the accounted bytes of every entry.
func (c *Cache[V]) Bytes() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.used
}

// OwnerBytes returns the accounted bytes of owner's entries.
func (c *Cache[V]) OwnerBytes(ownerName string) int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	if o := c.owners[ownerName]; o != nil {
		return o.bytes
	}
	return 0
}

// Len returns how many entries the cache holds.
func (c *Cache[V]) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, o := range c.owners {
		n += len(o.m)
	}
	return n
}
