package policy

import (
	"sync/atomic"
	"time"

	"github.com/hostd/hostd/abi"
)

// Algorithm selects how a bucket counts: abi.RateLimitAlgorithm, whose
// numbers and names the ABI pins.
type Algorithm = abi.RateLimitAlgorithm

// The algorithms.
const (
	// TokenBucket refills Rate tokens per Period continuously, up to Burst,
	// exactly (the default).
	TokenBucket = abi.RateLimitTokenBucket
	// SlidingWindow admits Rate per Period, estimating the last Period from
	// the current and the previous fixed window; Burst is ignored.
	SlidingWindow = abi.RateLimitSlidingWindow
)

// MaxFillTime is the longest a token bucket may take to fill from empty
// (Burst*Period/Rate) and the longest Period: about 36 years.
const MaxFillTime = time.Duration(maxSpan)

// Limits configure a bucket. They travel with every Take, so the plugin
// that names a bucket owns its configuration.
type Limits struct {
	// Rate is how many tokens are added (token bucket) or admitted (sliding
	// window) per Period. Must be positive.
	Rate int64
	// Period is the refill or window duration. Must be positive.
	Period time.Duration
	// Burst is the token bucket's capacity; 0 means Rate. Ignored by the
	// sliding window.
	Burst int64
	// Algorithm is TokenBucket (the zero value) or SlidingWindow.
	Algorithm Algorithm
}

// Decision is the outcome of Limiters.Take.
type Decision struct {
	// Allowed reports whether the cost was taken.
	Allowed bool
	// Limit is the bucket's capacity: Burst (token bucket) or Rate
	// (sliding window).
	Limit int64
	// Remaining is how many tokens a Take at the same instant could still
	// get, after this one.
	Remaining int64
	// Reset is how long until the bucket is full again (token bucket) or
	// until the current window ends (sliding window).
	Reset time.Duration
	// RetryAfter is 0 when allowed; otherwise how long until the same cost
	// would be allowed if nobody else takes in between.
	RetryAfter time.Duration
}

// Limiters holds named rate-limit buckets shared by every caller that names
// them. It is safe for concurrent use; each bucket is updated under its own
// mutex, so concurrent Takes are exact.
type Limiters struct {
	epoch       time.Time
	max         int64
	n           atomic.Int64
	evictedBusy atomic.Int64
	own         quota
	t           table[bucket, *bucket]
}

// NewLimiters returns an empty set of buckets. Times passed to Take and
// Sweep are measured from epoch (typically time.Now(); the monotonic
// reading is used when both times have one). maxBuckets bounds how many
// buckets may exist at once; 0 means no bound. At the bound, a new bucket
// takes the place of one of the buckets of the owner holding the most.
func NewLimiters(epoch time.Time, maxBuckets int) *Limiters {
	return &Limiters{epoch: epoch, max: int64(maxBuckets)}
}

// SetOwnerQuota bounds how many buckets one owner (TakeAs) may hold; 0
// means no bound. An owner at its quota that names a new bucket evicts one
// of its own (an idle one among its oldest if there is one), never another
// owner's. Call it before the first Take.
func (l *Limiters) SetOwnerQuota(n int) { l.own.per = int64(n) }

// Owned returns how many of the existing buckets owner created.
func (l *Limiters) Owned(owner string) int { return int(l.own.count(owner)) }

// EvictedBusy returns how many buckets were evicted while not idle (each
// forgot a client's debt; see the package documentation).
func (l *Limiters) EvictedBusy() int64 { return l.evictedBusy.Load() }

// bucket is one named limiter. The zero value is an unused bucket.
type bucket struct {
	entry
	used bool // lim and p are set
	lim  Limits
	p    params

	tat span // token bucket: theoretical arrival time (full when <= now)

	win       int64 // sliding window: index of the current window
	cur, prev int64 // sliding window: counts in the current and previous windows
	last      int64 // sliding window: latest time seen
}

// params are derived from Limits once per configuration.
type params struct {
	burst int64 // effective capacity (token bucket)
	tau   span  // burst * Period/Rate: time to fill from empty
}

// Take takes cost tokens from the bucket called name, creating it (full)
// with lim on first use, and reports the outcome at now. A cost of 0 takes
// nothing and reports the bucket's state.
//
// When lim differs from the bucket's current Limits, the bucket is first
// reconfigured keeping the fraction of its capacity in use: a token bucket
// half empty stays half empty under the new Burst (to the nanosecond); a
// sliding window carries its used fraction into the current window of the
// new configuration. The last Limits seen win.
//
// Take does not allocate unless it creates the bucket. Calls with times
// out of order (concurrent callers reading one clock) are handled: an
// earlier time never refills a bucket.
//
// # Errors
//
// ErrInvalidLimits, ErrCostExceedsLimit or ErrTooManyBuckets, each with a
// Decision that denies (see their docs). No token is taken.
func (l *Limiters) Take(name []byte, lim Limits, cost int64, now time.Time) (Decision, error) {
	return l.TakeAs("", name, lim, cost, now)
}

// TakeAs is Take on behalf of owner: a bucket it creates counts against
// the owner's quota (SetOwnerQuota) as long as it exists, whoever uses it
// later. At its quota, or with the table at its bound, a new bucket
// evicts an old one (see SetOwnerQuota and NewLimiters). When concurrent
// creators keep taking the room eviction made, the bucket is created
// beyond the bound after a few tries rather than refused: the bound is
// then exceeded by at most the number of concurrent callers, and the
// creations that follow evict it back. ErrTooManyBuckets is left only for
// an owner whose every bucket disappeared under it.
func (l *Limiters) TakeAs(owner string, name []byte, lim Limits, cost int64, now time.Time) (Decision, error) {
	if cost < 0 {
		return Decision{}, ErrInvalidLimits
	}
	t := int64(now.Sub(l.epoch))
	for attempt := 0; ; attempt++ {
		// Limits are validated before a bucket is created for them, and
		// again by take only when they differ from the bucket's.
		global, force := false, attempt >= evictTries
		b := l.t.lock(name, owner, func(b *bucket) bool {
			if _, err := lim.params(); err != nil {
				return false
			}
			if !l.own.add(b, &l.n, l.max, force) {
				global = l.max > 0 && l.n.Load() >= l.max
				return false
			}
			return true
		})
		if b != nil {
			d, err := b.take(lim, cost, t)
			b.mu.Unlock()
			return d, err
		}
		if _, err := lim.params(); err != nil {
			return Decision{}, err
		}
		if force {
			return Decision{}, ErrTooManyBuckets
		}
		l.evict(owner, global, t)
	}
}

// Len returns how many buckets exist.
func (l *Limiters) Len() int { return int(l.n.Load()) }

// Sweep removes the buckets that are indistinguishable from new ones at
// now and have been so for at least one Period: token buckets full for a
// Period, sliding windows with nothing counted in the current or previous
// window. Eviction therefore never changes a decision. It returns how many
// buckets it removed. Call it periodically (e.g. every minute).
func (l *Limiters) Sweep(now time.Time) int {
	t := int64(now.Sub(l.epoch))
	n := l.t.sweep(func(b *bucket) bool {
		if !b.idle(t) {
			return false
		}
		l.own.gone(b.owner)
		return true
	})
	l.n.Add(int64(-n))
	return n
}

// take applies lim and takes cost at t. It requires that b.mu is held.
func (b *bucket) take(lim Limits, cost, t int64) (Decision, error) {
	if !b.used || lim != b.lim {
		p, err := lim.params()
		if err != nil {
			return Decision{}, err
		}
		b.configure(lim, p, t)
	}
	if b.lim.Algorithm == SlidingWindow {
		return b.takeWindow(cost, t)
	}
	return b.takeToken(cost, t)
}

// configure switches b to lim, keeping the used fraction of its capacity.
// It requires that b.mu is held.
func (b *bucket) configure(lim Limits, p params, t int64) {
	var num, den int64 = 0, 1
	if b.used {
		num, den = b.usedFraction(t)
	} else {
		b.last = never
	}
	b.used, b.lim, b.p = true, lim, p
	period := int64(lim.Period)
	if lim.Algorithm == SlidingWindow {
		b.last = max(b.last, t)
		b.win = floorDiv(b.last, period)
		b.prev = 0
		b.cur = mulDiv(num, lim.Rate, den, true)
		return
	}
	b.tat = span{t + mulDiv(num, p.tau.ns, den, true), 0}
	if num == 0 {
		b.tat = span{never, 0}
	}
}

// usedFraction returns the part of the capacity in use at t as num/den
// with 0 <= num <= den. It requires that b.mu is held.
func (b *bucket) usedFraction(t int64) (num, den int64) {
	if b.lim.Algorithm == SlidingWindow {
		_, used := b.roll(t)
		return min(used, b.lim.Rate), b.lim.Rate
	}
	debt := b.tat.ns - t
	if b.p.tau.ns <= 0 || debt <= 0 {
		return 0, 1
	}
	return min(debt, b.p.tau.ns), b.p.tau.ns
}

// idle reports whether b has been equivalent to a new bucket for at least
// one Period at t. It requires that b.mu is held.
func (b *bucket) idle(t int64) bool {
	if !b.used {
		return true
	}
	period := int64(b.lim.Period)
	if b.lim.Algorithm == SlidingWindow {
		return floorDiv(max(t, b.last), period) >= b.win+2
	}
	return b.tat.ns <= t-period
}

// params validates lim and derives the token bucket's constants.
func (lim Limits) params() (params, error) {
	if lim.Rate <= 0 || lim.Period <= 0 || lim.Burst < 0 || lim.Period > MaxFillTime ||
		lim.Rate > maxSpan || lim.Algorithm > SlidingWindow {
		return params{}, ErrInvalidLimits
	}
	p := params{burst: lim.Burst}
	if p.burst == 0 {
		p.burst = lim.Rate
	}
	if lim.Algorithm == SlidingWindow {
		return p, nil
	}
	tau, ok := scaled(p.burst, int64(lim.Period), lim.Rate)
	if !ok {
		return params{}, ErrInvalidLimits
	}
	p.tau = tau
	return p, nil
}
