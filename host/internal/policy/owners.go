package policy

import "sync"

// owners counts the values each owner created in a table, so that no one
// owner (a plugin naming ever new buckets or breakers) takes more than its
// share and leaves none to the others. The empty owner is not counted.
type owners struct {
	max int64 // per owner; 0 = no bound
	mu  sync.Mutex
	n   map[string]int64
}

// take reserves a value for owner, or reports false when its share is
// used up.
func (o *owners) take(owner string) bool {
	if owner == "" || o.max <= 0 {
		return true
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.n[owner] >= o.max {
		return false
	}
	if o.n == nil {
		o.n = map[string]int64{}
	}
	o.n[owner]++
	return true
}

// give returns a value of owner.
func (o *owners) give(owner string) {
	if owner == "" || o.max <= 0 {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.n[owner]--; o.n[owner] <= 0 {
		delete(o.n, owner)
	}
}

// count returns the values owner created that still exist.
func (o *owners) count(owner string) int64 {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.n[owner]
}
