package upstream

import (
	"math/rand/v2"
	"net/url"
	"slices"
	"sync/atomic"
	"time"
)

// target is one upstream URL and its live state. All fields but url and raw
// are updated atomically by concurrent requests.
type target struct {
	url *url.URL
	raw string

	inflight    atomic.Int64
	requests    atomic.Uint64 // attempts sent
	failures    atomic.Uint64 // attempts that failed without a response
	consecutive atomic.Int64  // failures since the last success
	downUntil   atomic.Int64  // unix nanoseconds; 0 = healthy
}

// up reports whether t may be picked at now (in unix nanoseconds).
func (t *target) up(now int64) bool {
	d := t.downUntil.Load()
	return d == 0 || now >= d
}

// TargetStats is a snapshot of one target, for the admin API and metrics.
type TargetStats struct {
	URL string
	// Healthy is false while the target is skipped after failures.
	Healthy bool
	// InFlight counts requests sent whose response body is not closed yet.
	InFlight int64
	// Requests counts attempts sent to the target, retries included.
	Requests uint64
	// Failures counts attempts that got no response (connection errors,
	// timeouts).
	Failures uint64
}

// balancer picks targets according to Config.Balance, skipping the ones
// that are cooling down.
type balancer struct {
	targets []*target
	policy  string
	next    atomic.Uint64 // round-robin position, also breaks ties
	now     func() time.Time
}

// pick returns the index of the target for the next attempt, or -1 when
// every target is in tried. A target that is cooling down is picked only
// when all the untried ones are; then it is the one that recovers first.
func (b *balancer) pick(tried []int) int {
	n := len(b.targets)
	if len(tried) >= n {
		return -1
	}
	now := b.clock()
	var i int
	switch b.policy {
	case Random:
		i = b.pickRandom(tried, now)
	case LeastRequests:
		i = b.pickLeast(tried, now)
	default:
		i = b.pickRoundRobin(tried, now)
	}
	if i < 0 {
		i = b.pickSoonest(tried)
	}
	return i
}

// clock returns the current time in unix nanoseconds, read only when some
// target is cooling down (the common case needs no clock).
func (b *balancer) clock() int64 {
	for _, t := range b.targets {
		if t.downUntil.Load() != 0 {
			return b.now().UnixNano()
		}
	}
	return 0
}

func (b *balancer) usable(i int, tried []int, now int64) bool {
	return b.targets[i].up(now) && !slices.Contains(tried, i)
}

func (b *balancer) pickRoundRobin(tried []int, now int64) int {
	n := len(b.targets)
	start := int(b.next.Add(1)-1) % n
	for k := range n {
		if i := (start + k) % n; b.usable(i, tried, now) {
			if k > 0 { // keep the rotation even when skipping
				b.next.Store(uint64(i + 1))
			}
			return i
		}
	}
	return -1
}

func (b *balancer) pickLeast(tried []int, now int64) int {
	n := len(b.targets)
	start := int(b.next.Add(1)-1) % n
	best, bestLoad := -1, int64(0)
	for k := range n {
		i := (start + k) % n
		if !b.usable(i, tried, now) {
			continue
		}
		if load := b.targets[i].inflight.Load(); best < 0 || load < bestLoad {
			best, bestLoad = i, load
		}
	}
	return best
}

func (b *balancer) pickRandom(tried []int, now int64) int {
	var buf [16]int
	ok := buf[:0]
	for i := range b.targets {
		if b.usable(i, tried, now) {
			ok = append(ok, i)
		}
	}
	if len(ok) == 0 {
		return -1
	}
	return ok[rand.IntN(len(ok))]
}

// pickSoonest returns the untried target whose cooldown ends first.
func (b *balancer) pickSoonest(tried []int) int {
	best, bestUntil := -1, int64(0)
	for i, t := range b.targets {
		if slices.Contains(tried, i) {
			continue
		}
		if d := t.downUntil.Load(); best < 0 || d < bestUntil {
			best, bestUntil = i, d
		}
	}
	return best
}

// failed records an attempt on t that got no response.
func (b *balancer) failed(t *target, threshold int, cooldown time.Duration) {
	t.failures.Add(1)
	if t.consecutive.Add(1) >= int64(threshold) {
		t.downUntil.Store(b.now().Add(cooldown).UnixNano())
	}
}

// succeeded records an attempt on t that got a response.
func (b *balancer) succeeded(t *target) {
	if t.consecutive.Load() != 0 {
		t.consecutive.Store(0)
	}
	if t.downUntil.Load() != 0 {
		t.downUntil.Store(0)
	}
}
