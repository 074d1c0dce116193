package policy

import (
	"math"
	"sync/atomic"
	"time"

	"github.com/hostd/hostd/abi"
)

// State is a circuit breaker's state: abi.BreakerState, whose numbers and
// names the ABI pins.
type State = abi.BreakerState

// The breaker states.
const (
	// Closed lets calls through and counts their outcomes.
	Closed = abi.BreakerClosed
	// Open rejects calls until OpenFor has passed since it opened.
	Open = abi.BreakerOpen
	// HalfOpen admits exactly HalfOpenRequests probe calls and rejects the
	// rest; their outcomes close the breaker or open it again.
	HalfOpen = abi.BreakerHalfOpen
)

// Defaults used for zero (or negative) BreakerConfig fields.
const (
	DefaultWindow  = 10 * time.Second
	DefaultOpenFor = 5 * time.Second
)

// BreakerConfig configures a named breaker. It travels with every call, so
// the plugin that names a breaker owns its configuration; the last one
// seen wins. Its fields are those of engine.BreakerConfig, in the same
// order, so one converts to the other.
type BreakerConfig struct {
	// Window is the span over which outcomes are counted for FailureRatio
	// (in tenths: see Breakers). 0 means DefaultWindow. Changing it
	// forgets the counts.
	Window time.Duration
	// OpenFor is how long the breaker stays open before probing. 0 means
	// DefaultOpenFor.
	OpenFor time.Duration
	// MinRequests is how many outcomes the window must hold before
	// FailureRatio can trip it. 0 means 1.
	MinRequests int
	// ConsecutiveFailures opens the breaker after that many failures in a
	// row, whatever the window holds. 0 turns it off.
	ConsecutiveFailures int
	// HalfOpenRequests is how many probes the half-open breaker admits;
	// all must succeed to close it. 0 means 1.
	HalfOpenRequests int
	// FailureRatio opens the breaker when failures/outcomes in the window
	// reach it (with at least MinRequests outcomes); compared exactly in
	// parts per million. 0 turns it off; values above 1 mean 1.
	FailureRatio float64
}

// norm is a BreakerConfig with defaults applied.
type norm struct {
	window, openFor       int64
	minReq, consec, probe int
	ppm                   int64
}

func (c BreakerConfig) norm() norm {
	n := norm{
		window: int64(c.Window), openFor: int64(c.OpenFor),
		minReq: max(c.MinRequests, 1), consec: max(c.ConsecutiveFailures, 0),
		probe: max(c.HalfOpenRequests, 1),
	}
	if n.window <= 0 {
		n.window = int64(DefaultWindow)
	}
	if n.openFor <= 0 {
		n.openFor = int64(DefaultOpenFor)
	}
	if c.FailureRatio > 0 { // false for NaN
		n.ppm = max(int64(math.Round(math.Min(c.FailureRatio, 1)*1e6)), 1)
	}
	return n
}

// Breakers holds named circuit breakers shared by every caller that names
// them. It is safe for concurrent use; each breaker changes state under
// its own mutex, so the half-open probe count is exact.
type Breakers struct {
	epoch  time.Time
	max    int64
	n      atomic.Int64
	opened atomic.Uint64
	own    owners
	t      table[breaker, *breaker]
}

// NewBreakers returns an empty set of breakers. Times are measured from
// epoch (typically time.Now()). maxBreakers bounds how many may exist at
// once; 0 means no bound. When the bound is reached, calls naming a new
// breaker are let through (fail open) and not counted.
func NewBreakers(epoch time.Time, maxBreakers int) *Breakers {
	return &Breakers{epoch: epoch, max: int64(maxBreakers)}
}

// SetOwnerShare bounds how many breakers one owner (AllowAs, ReportAs)
// may create; 0 means no bound. Beyond it, as beyond the table's bound,
// calls naming a new breaker fail open. Call it before first use.
func (b *Breakers) SetOwnerShare(n int) { b.own.max = int64(n) }

// breaker is one named circuit breaker. The zero value is unused.
type breaker struct {
	entry
	used     bool // cfg and c are set
	cfg      BreakerConfig
	c        norm
	state    State
	openedAt int64 // when it last opened; never if it has not
	last     int64 // latest time seen
	consec   int   // failures in a row (closed state)
	probes   int   // half-open: probes admitted
	reported int   // half-open: probe outcomes received
	passed   int   // half-open: probe successes
	opened   uint64
	r        ring
}

// Allow asks whether a call guarded by the breaker called name may go
// ahead at now, creating the breaker (closed) with cfg on first use. An
// open breaker whose OpenFor has passed turns half-open here.
//
// It returns the state after the decision and, when not allowed, how long
// until asking again may succeed: the rest of OpenFor when open; OpenFor
// when half-open with every probe already admitted (a probe failing opens
// it again for that long). Allow does not allocate unless it creates the
// breaker.
func (b *Breakers) Allow(name []byte, cfg BreakerConfig, now time.Time) (allowed bool, st State, retryAfter time.Duration) {
	return b.AllowAs("", name, cfg, now)
}

// AllowAs is Allow on behalf of owner (see SetOwnerShare).
func (b *Breakers) AllowAs(owner string, name []byte, cfg BreakerConfig, now time.Time) (allowed bool, st State, retryAfter time.Duration) {
	br := b.t.lock(name, owner, func(*breaker) bool { return b.room(owner) })
	if br == nil {
		return true, Closed, 0
	}
	allowed, st, retryAfter = br.allow(cfg, int64(now.Sub(b.epoch)))
	br.mu.Unlock()
	return allowed, st, retryAfter
}

// Report records the outcome and latency of a call that Allow admitted
// and returns the state after it. While closed, a failure may open the
// breaker (ConsecutiveFailures, or FailureRatio over the window). While
// half-open, a failure opens it again and the HalfOpenRequests-th success
// closes it; reports beyond the number of probes admitted are ignored.
// While open, reports are ignored. Report does not allocate unless it
// creates the breaker.
func (b *Breakers) Report(name []byte, cfg BreakerConfig, success bool, latency time.Duration, now time.Time) State {
	return b.ReportAs("", name, cfg, success, latency, now)
}

// ReportAs is Report on behalf of owner (see SetOwnerShare).
func (b *Breakers) ReportAs(owner string, name []byte, cfg BreakerConfig, success bool, latency time.Duration, now time.Time) State {
	br := b.t.lock(name, owner, func(*breaker) bool { return b.room(owner) })
	if br == nil {
		return Closed
	}
	before := br.opened
	st := br.report(cfg, success, int64(latency), int64(now.Sub(b.epoch)))
	if br.opened != before {
		b.opened.Add(1)
	}
	br.mu.Unlock()
	return st
}

// Opened returns how many times any breaker has opened: a counter for
// metrics that survives eviction.
func (b *Breakers) Opened() uint64 { return b.opened.Load() }

// Len returns how many breakers exist.
func (b *Breakers) Len() int { return int(b.n.Load()) }

// room reserves a slot for a new breaker of owner; called with a shard
// locked.
func (b *Breakers) room(owner string) bool {
	if b.max > 0 && b.n.Load() >= b.max {
		return false
	}
	if !b.own.take(owner) {
		return false
	}
	b.n.Add(1)
	return true
}

// Sweep removes the breakers that are indistinguishable from new ones at
// now: closed, no failure in a row, nothing counted in the window. It
// returns how many it removed.
func (b *Breakers) Sweep(now time.Time) int {
	t := int64(now.Sub(b.epoch))
	n := b.t.sweep(func(br *breaker) bool {
		if br.used && (br.state != Closed || br.consec != 0 || !br.r.empty(max(t, br.last))) {
			return false
		}
		b.own.give(br.owner)
		return true
	})
	b.n.Add(int64(-n))
	return n
}
