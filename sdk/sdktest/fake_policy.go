package sdktest

import (
	"encoding/binary"
	"math/big"
	"time"

	"github.com/hostd/hostd/abi"
	"github.com/hostd/hostd/sdk/internal/imports"
)

// maxStateName mirrors hostd's limit on bucket and breaker names.
const maxStateName = 256

func validStateName(name []byte) bool { return len(name) > 0 && len(name) <= maxStateName }

func (f fake) JWTVerify(keyset, token, policy, buf []byte) (abi.Status, uint32) {
	f.h.need("jwt_verify", anyPhase...)
	if f.h.JWT == nil {
		return abi.StatusUnsupported, 0
	}
	out, st := f.h.JWT(string(keyset), string(token), string(policy))
	if st != abi.StatusOK && st != abi.StatusDenied {
		return st, 0
	}
	return st, put(buf, out)
}

func (f fake) RateLimitTake(name []byte, rate, periodMillis, burst, cost int64, alg abi.RateLimitAlgorithm) (abi.Status, imports.RateOut) {
	f.h.need("ratelimit_take", anyPhase...)
	switch {
	case f.h.RateLimits == nil:
		return abi.StatusUnsupported, imports.RateOut{}
	case !validStateName(name) || rate <= 0 || periodMillis <= 0 || burst < 0 || cost < 0 || alg > abi.RateLimitSlidingWindow:
		return abi.StatusInvalidArgument, imports.RateOut{}
	}
	lim := rateLimit{rate: rate, period: time.Duration(periodMillis) * time.Millisecond, burst: burst, alg: alg}
	d := f.h.RateLimits.take(string(name), lim, cost, f.h.Clock())
	out := imports.RateOut{
		Limit: uint64(d.Limit), Remaining: uint64(d.Remaining),
		ResetMillis: uint64(d.Reset.Milliseconds()), RetryAfterMillis: uint64(d.RetryAfter.Milliseconds()),
	}
	if !d.Allowed {
		return abi.StatusDenied, out
	}
	return abi.StatusOK, out
}

// decodeBreaker decodes and checks a breaker configuration as hostd does.
func decodeBreaker(b *imports.BreakerConfig) (BreakerConfig, bool) {
	le := binary.LittleEndian
	c := BreakerConfig{
		Window:              time.Duration(le.Uint64(b[0:])) * time.Millisecond,
		OpenFor:             time.Duration(le.Uint64(b[8:])) * time.Millisecond,
		MinRequests:         int(le.Uint32(b[16:])),
		ConsecutiveFailures: int(le.Uint32(b[20:])),
		HalfOpenRequests:    int(le.Uint32(b[24:])),
		FailureRatioPPM:     int(le.Uint32(b[28:])),
	}
	ok := c.Window > 0 && c.OpenFor > 0 && c.HalfOpenRequests > 0 && c.FailureRatioPPM <= 1e6 &&
		(c.FailureRatioPPM > 0 || c.ConsecutiveFailures > 0)
	return c, ok
}

func (f fake) BreakerAllow(name []byte, config *imports.BreakerConfig) (abi.Status, imports.BreakerOut) {
	f.h.need("breaker_allow", anyPhase...)
	cfg, ok := decodeBreaker(config)
	switch {
	case f.h.Breakers == nil:
		return abi.StatusUnsupported, imports.BreakerOut{}
	case !ok || !validStateName(name):
		return abi.StatusInvalidArgument, imports.BreakerOut{}
	}
	allowed, st, retry := f.h.Breakers.get(string(name), cfg).allow(cfg, f.h.Clock())
	out := imports.BreakerOut{State: uint32(st), RetryAfterMillis: uint64(retry.Milliseconds())}
	if !allowed {
		return abi.StatusUnavailable, out
	}
	return abi.StatusOK, out
}

func (f fake) BreakerReport(name []byte, config *imports.BreakerConfig, success bool, latencyMillis int64) abi.BreakerState {
	f.h.need("breaker_report", anyPhase...)
	cfg, ok := decodeBreaker(config)
	if f.h.Breakers == nil || !ok || !validStateName(name) {
		return abi.BreakerClosed
	}
	return f.h.Breakers.get(string(name), cfg).report(cfg, success, f.h.Clock())
}

// RateLimits is the fake host's set of named rate-limit buckets. Share one
// between Hosts to simulate plugins (or instances) naming the same bucket,
// as hostd's names are global. The token bucket is exact (rational
// arithmetic); the sliding window uses hostd's two-window estimate, but
// its RetryAfter is simply the end of the current window. It is not safe
// for concurrent use.
type RateLimits struct {
	buckets map[string]*fakeBucket
}

// NewRateLimits returns an empty set of buckets.
func NewRateLimits() *RateLimits { return &RateLimits{buckets: map[string]*fakeBucket{}} }

// Len returns how many buckets exist.
func (r *RateLimits) Len() int { return len(r.buckets) }

type rateLimit struct {
	rate   int64
	period time.Duration
	burst  int64
	alg    abi.RateLimitAlgorithm
}

type rateDecision struct {
	Allowed           bool
	Limit, Remaining  int64
	Reset, RetryAfter time.Duration
}

type fakeBucket struct {
	lim    rateLimit
	tokens *big.Rat // token bucket: tokens available at last
	last   time.Time
	win    int64 // sliding window: index of the current window
	cur    int64 // sliding window: counts in the current and previous window
	prev   int64
}

func (l rateLimit) capacity() int64 {
	if l.alg == abi.RateLimitSlidingWindow {
		return l.rate
	}
	if l.burst == 0 {
		return l.rate
	}
	return l.burst
}

func (r *RateLimits) take(name string, lim rateLimit, cost int64, now time.Time) rateDecision {
	b := r.buckets[name]
	if b == nil {
		b = &fakeBucket{lim: lim, tokens: big.NewRat(lim.capacity(), 1), last: now}
		r.buckets[name] = b
	}
	if b.lim != lim { // last limits win; keep the fraction in use (token bucket)
		if b.lim.alg == abi.RateLimitTokenBucket && lim.alg == abi.RateLimitTokenBucket {
			b.refill(now)
			b.tokens.Mul(b.tokens, big.NewRat(lim.capacity(), b.lim.capacity()))
		} else {
			b.tokens, b.cur, b.prev = big.NewRat(lim.capacity(), 1), 0, 0
		}
		b.lim = lim
	}
	if lim.alg == abi.RateLimitSlidingWindow {
		return b.takeWindow(cost, now)
	}
	return b.takeToken(cost, now)
}

// refill adds the tokens earned since last (never going back in time).
func (b *fakeBucket) refill(now time.Time) {
	if !now.After(b.last) {
		return
	}
	earned := new(big.Rat).SetFrac(
		new(big.Int).Mul(big.NewInt(b.lim.rate), big.NewInt(int64(now.Sub(b.last)))),
		big.NewInt(int64(b.lim.period)))
	b.tokens.Add(b.tokens, earned)
	if c := big.NewRat(b.lim.capacity(), 1); b.tokens.Cmp(c) > 0 {
		b.tokens = c
	}
	b.last = now
}

// timeFor returns how long earning n tokens takes, rounded up to the
// nanosecond.
func (b *fakeBucket) timeFor(n *big.Rat) time.Duration {
	if n.Sign() <= 0 {
		return 0
	}
	t := new(big.Rat).Mul(n, big.NewRat(int64(b.lim.period), b.lim.rate))
	q, m := new(big.Int).QuoRem(t.Num(), t.Denom(), new(big.Int))
	if m.Sign() != 0 {
		q.Add(q, big.NewInt(1))
	}
	return time.Duration(q.Int64())
}

func (b *fakeBucket) takeToken(cost int64, now time.Time) rateDecision {
	b.refill(now)
	capacity := b.lim.capacity()
	c := big.NewRat(cost, 1)
	d := rateDecision{Limit: capacity}
	if b.tokens.Cmp(c) >= 0 {
		b.tokens.Sub(b.tokens, c)
		d.Allowed = true
	} else if cost <= capacity {
		d.RetryAfter = b.timeFor(new(big.Rat).Sub(c, b.tokens))
	}
	d.Remaining = new(big.Int).Quo(b.tokens.Num(), b.tokens.Denom()).Int64()
	d.Reset = b.timeFor(new(big.Rat).Sub(big.NewRat(capacity, 1), b.tokens))
	return d
}

func (b *fakeBucket) takeWindow(cost int64, now time.Time) rateDecision {
	period := int64(b.lim.period)
	t := now.UnixNano()
	if w := t / period; w != b.win {
		if w == b.win+1 {
			b.prev = b.cur
		} else {
			b.prev = 0
		}
		b.win, b.cur = w, 0
	}
	elapsed := t - b.win*period
	// estimate = cur + ceil(prev × (period-elapsed) / period)
	weighted := new(big.Int).Mul(big.NewInt(b.prev), big.NewInt(period-elapsed))
	weighted.Add(weighted, big.NewInt(period-1)).Quo(weighted, big.NewInt(period))
	used := b.cur + weighted.Int64()
	d := rateDecision{Limit: b.lim.rate, Reset: time.Duration(period - elapsed)}
	if used+cost <= b.lim.rate {
		b.cur += cost
		used += cost
		d.Allowed = true
	} else {
		d.RetryAfter = d.Reset
	}
	d.Remaining = max(b.lim.rate-used, 0)
	return d
}

// BreakerConfig is a breaker configuration as the fake host decoded it.
type BreakerConfig struct {
	Window, OpenFor     time.Duration
	MinRequests         int
	ConsecutiveFailures int
	HalfOpenRequests    int
	FailureRatioPPM     int
}

// Breakers is the fake host's set of named circuit breakers, with hostd's
// state machine (see the ABI's "Circuit breaking"); the window is exact
// rather than hostd's 10 slots. Share one between Hosts to simulate
// plugins naming the same breaker. It is not safe for concurrent use.
type Breakers struct {
	breakers map[string]*fakeBreaker
}

// NewBreakers returns an empty set of breakers.
func NewBreakers() *Breakers { return &Breakers{breakers: map[string]*fakeBreaker{}} }

// State returns the state of the breaker called name (closed if unknown).
func (b *Breakers) State(name string) abi.BreakerState {
	if br := b.breakers[name]; br != nil {
		return br.state
	}
	return abi.BreakerClosed
}

type outcome struct {
	at     time.Time
	failed bool
}

type fakeBreaker struct {
	window   time.Duration
	state    abi.BreakerState
	openedAt time.Time
	consec   int
	outcomes []outcome // closed: outcomes in the window
	probes   int       // half-open: admitted, reported, succeeded
	reported int
	passed   int
}

func (b *Breakers) get(name string, cfg BreakerConfig) *fakeBreaker {
	br := b.breakers[name]
	if br == nil {
		br = &fakeBreaker{window: cfg.Window}
		b.breakers[name] = br
	}
	if br.window != cfg.Window { // a new window forgets the counts
		br.window, br.outcomes = cfg.Window, nil
	}
	return br
}

func (br *fakeBreaker) allow(cfg BreakerConfig, now time.Time) (bool, abi.BreakerState, time.Duration) {
	if br.state == abi.BreakerOpen {
		if until := br.openedAt.Add(cfg.OpenFor); now.Before(until) {
			return false, br.state, until.Sub(now)
		}
		br.state, br.probes, br.reported, br.passed = abi.BreakerHalfOpen, 0, 0, 0
	}
	if br.state == abi.BreakerHalfOpen {
		if br.probes >= cfg.HalfOpenRequests {
			return false, br.state, cfg.OpenFor
		}
		br.probes++
	}
	return true, br.state, 0
}

func (br *fakeBreaker) report(cfg BreakerConfig, success bool, now time.Time) abi.BreakerState {
	switch br.state {
	case abi.BreakerHalfOpen:
		if br.reported >= br.probes {
			break
		}
		br.reported++
		if !success {
			br.open(now)
		} else if br.passed++; br.passed >= cfg.HalfOpenRequests {
			br.state, br.consec, br.outcomes = abi.BreakerClosed, 0, nil
		}
	case abi.BreakerClosed:
		br.outcomes = append(br.outcomes, outcome{now, !success})
		if success {
			br.consec = 0
			break
		}
		br.consec++
		if cfg.ConsecutiveFailures > 0 && br.consec >= cfg.ConsecutiveFailures || br.ratioTripped(cfg, now) {
			br.open(now)
		}
	}
	return br.state
}

func (br *fakeBreaker) ratioTripped(cfg BreakerConfig, now time.Time) bool {
	kept := br.outcomes[:0]
	failed := 0
	for _, o := range br.outcomes {
		if now.Sub(o.at) < cfg.Window {
			kept = append(kept, o)
			if o.failed {
				failed++
			}
		}
	}
	br.outcomes = kept
	n := len(kept)
	return cfg.FailureRatioPPM > 0 && n >= max(cfg.MinRequests, 1) &&
		int64(failed)*1e6 >= int64(cfg.FailureRatioPPM)*int64(n)
}

func (br *fakeBreaker) open(now time.Time) {
	br.state, br.openedAt, br.consec, br.outcomes = abi.BreakerOpen, now, 0, nil
}
