package policy

import (
	"slices"
	"strings"
	"time"
)

// BreakerInfo is a snapshot of one breaker, for the admin API and metrics.
type BreakerInfo struct {
	Name  string
	State State
	// Requests and Failures are the outcomes counted in the current
	// window (closed state; the counts restart when it opens or closes).
	Requests, Failures int64
	// ConsecutiveFailures is the current run of failures (closed state).
	ConsecutiveFailures int
	// MeanLatency is the mean reported latency over the window's outcomes.
	MeanLatency time.Duration
	// OpenedAt is when the breaker last opened; zero if it never did.
	OpenedAt time.Time
	// RetryAfter is how long an open breaker stays open.
	RetryAfter time.Duration
	// ProbesAdmitted and ProbesSucceeded count the half-open probes.
	ProbesAdmitted, ProbesSucceeded int
	// Opened is how many times the breaker has opened since it was created.
	Opened uint64
	// Config is the configuration last seen.
	Config BreakerConfig
}

// List returns a snapshot of every breaker as seen at now, sorted by name.
// An open breaker whose OpenFor has passed shows as half-open with no
// probes admitted, which is what the next Allow will find.
func (b *Breakers) List(now time.Time) []BreakerInfo {
	t := int64(now.Sub(b.epoch))
	var out []BreakerInfo
	b.t.each(func(name string, br *breaker) {
		if br.used {
			out = append(out, br.info(name, max(t, br.last), b.epoch))
		}
	})
	slices.SortFunc(out, func(x, y BreakerInfo) int { return strings.Compare(x.Name, y.Name) })
	return out
}

// info describes br at t. It requires that br.mu is held.
func (br *breaker) info(name string, t int64, epoch time.Time) BreakerInfo {
	c := br.r.sum(t)
	in := BreakerInfo{
		Name: name, State: br.state,
		Requests: c.ok + c.fail, Failures: c.fail,
		ConsecutiveFailures: br.consec,
		ProbesAdmitted:      br.probes, ProbesSucceeded: br.passed,
		Opened: br.opened, Config: br.cfg,
	}
	if in.Requests > 0 {
		in.MeanLatency = time.Duration(c.latency / in.Requests)
	}
	if br.openedAt != never {
		in.OpenedAt = epoch.Add(time.Duration(br.openedAt))
	}
	if br.state == Open {
		if until := br.openedAt + br.c.openFor; t < until {
			in.RetryAfter = time.Duration(until - t)
		} else {
			in.State, in.ProbesAdmitted, in.ProbesSucceeded = HalfOpen, 0, 0
		}
	}
	if in.State != HalfOpen {
		in.ProbesAdmitted, in.ProbesSucceeded = 0, 0
	}
	return in
}
