package host

import (
	"context"
	"time"

	"github.com/hostd/hostd/abi"
	"github.com/hostd/hostd/host/internal/engine"
	"github.com/hostd/hostd/host/internal/metrics"
	"github.com/hostd/hostd/host/internal/model"
	"github.com/hostd/hostd/host/internal/policy"
)

// Bounds on host-side policy state, so plugins naming ever new buckets or
// breakers cannot exhaust memory. Names are scoped per plugin; quotas are
// per binding (engine.Binding.Identity). A binding at its bucket quota
// evicts its own oldest buckets (idle ones first); a full bucket table
// evicts from the binding holding the most. One binding may create at most
// half of the breakers (beyond, new breakers fail open).
const (
	maxBuckets               = 1 << 20
	defaultBucketsPerBinding = 1 << 16
	maxBreakers              = 1 << 16
	breakerShare             = 2 // 1/breakerShare of the breakers per binding
)

// bucketsPerBinding is limits.rate_limit_buckets_per_binding with its
// default, at most maxBuckets.
func (l Limits) bucketsPerBinding() int {
	if l.RateLimitBucketsPerBinding <= 0 {
		return defaultBucketsPerBinding
	}
	return min(l.RateLimitBucketsPerBinding, maxBuckets)
}

// limiters adapts policy.Limiters to engine.RateLimiter.
type limiters struct{ l *policy.Limiters }

func (a limiters) Take(owner engine.Owner, name []byte, rate int64, period time.Duration, burst, cost int64, alg abi.RateLimitAlgorithm, now time.Time) engine.RateDecision {
	d, err := a.l.TakeScoped(owner.Plugin, owner.Binding, name, policy.Limits{Rate: rate, Period: period, Burst: burst, Algorithm: alg}, cost, now)
	if err != nil { // invalid limits or too many buckets: refuse, never fail open silently
		return engine.RateDecision{RetryAfter: period}
	}
	return engine.RateDecision{Allowed: d.Allowed, Limit: d.Limit, Remaining: d.Remaining, Reset: d.Reset, RetryAfter: d.RetryAfter}
}

// breakers adapts policy.Breakers to engine.Breakers.
type breakers struct{ b *policy.Breakers }

func (a breakers) Allow(owner engine.Owner, name []byte, cfg engine.BreakerConfig, now time.Time) (bool, abi.BreakerState, time.Duration) {
	return a.b.AllowScoped(owner.Plugin, owner.Binding, name, policy.BreakerConfig(cfg), now)
}

func (a breakers) Report(owner engine.Owner, name []byte, cfg engine.BreakerConfig, success bool, latency time.Duration, now time.Time) abi.BreakerState {
	return a.b.ReportScoped(owner.Plugin, owner.Binding, name, policy.BreakerConfig(cfg), success, latency, now)
}

// breakerList returns the breakers for the admin API.
func breakerList(b *policy.Breakers, now time.Time) []model.Breaker {
	infos := b.List(now)
	out := make([]model.Breaker, len(infos))
	for i, in := range infos {
		plugin, name := policy.SplitScoped(in.Name)
		out[i] = model.Breaker{Plugin: plugin, Name: name, State: in.State.String(), Requests: in.Requests,
			Failures: in.Failures, ConsecutiveFailures: in.ConsecutiveFailures,
			RetryAfterMillis: in.RetryAfter.Milliseconds()}
		if !in.OpenedAt.IsZero() {
			t := in.OpenedAt
			out[i].OpenedAt = &t
		}
	}
	return out
}

func (h *Host) breakerMetrics() []metrics.BreakerState {
	infos := h.brk.List(time.Now())
	out := make([]metrics.BreakerState, len(infos))
	for i, in := range infos {
		_, name := policy.SplitScoped(in.Name)
		out[i] = metrics.BreakerState{Name: name, State: int(in.State), Requests: in.Requests, Failures: in.Failures}
	}
	return out
}

// Breakers implements admin.Control.
func (c *control) Breakers(context.Context) ([]model.Breaker, error) {
	return breakerList(c.h.brk, time.Now()), nil
}
