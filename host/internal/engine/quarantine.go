package engine

import (
	"errors"
	"sync"
	"time"
)

// QuarantinePolicy says when a pool whose calls keep failing is taken out
// of service and for how long. Zero fields take the defaults.
type QuarantinePolicy struct {
	// After is the number of consecutive failed calls (traps, timeouts,
	// memory or stack overruns, failed instantiations) that quarantines
	// the pool. Default 5.
	After int
	// Backoff is the first quarantine; each quarantine that follows a
	// failed probe doubles it, up to MaxBackoff. Defaults 1s and 5m.
	Backoff, MaxBackoff time.Duration
}

func (q QuarantinePolicy) withDefaults() QuarantinePolicy {
	if q.After <= 0 {
		q.After = 5
	}
	if q.Backoff <= 0 {
		q.Backoff = time.Second
	}
	if q.MaxBackoff < q.Backoff {
		q.MaxBackoff = max(5*time.Minute, q.Backoff)
	}
	return q
}

// Health states of a pool.
const (
	HealthOK          = "ok"
	HealthQuarantined = "quarantined"
	HealthProbing     = "probing" // the quarantine ended; one call is being tried
)

// Health is a pool's failure record.
type Health struct {
	State string
	// Failures counts consecutive failed calls; Quarantines how many
	// times in a row the pool was quarantined.
	Failures, Quarantines int
	Until                 time.Time // end of the current quarantine
	Reason                string    // the last failure
}

// health is the state machine behind Health: ok → quarantined after
// After failures in a row → probing when the quarantine ends (one call is
// let through) → ok if it succeeds, quarantined twice as long if not.
type health struct {
	pol QuarantinePolicy
	now func() time.Time

	mu sync.Mutex
	h  Health
}

func newHealth(pol QuarantinePolicy) *health {
	return &health{pol: pol, now: time.Now, h: Health{State: HealthOK}}
}

// admit reports whether a call may run now. While quarantined it returns
// the time left; when the quarantine is over it admits one probe.
func (hs *health) admit() (bool, time.Duration) {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	switch hs.h.State {
	case HealthOK:
		return true, 0
	case HealthQuarantined:
		left := hs.h.Until.Sub(hs.now())
		if left > 0 {
			return false, left
		}
		hs.h.State = HealthProbing
		return true, 0
	}
	return false, time.Second // a probe is running
}

// record reports a call's outcome; it returns true when it started a
// quarantine.
func (hs *health) record(err error) bool {
	if err != nil && !countsAsFailure(err) {
		hs.release()
		return false
	}
	hs.mu.Lock()
	defer hs.mu.Unlock()
	if hs.h.State == HealthQuarantined {
		// A call admitted before the quarantine began: it changes nothing.
		return false
	}
	if err == nil {
		hs.h = Health{State: HealthOK}
		return false
	}
	hs.h.Failures++
	hs.h.Reason = err.Error()
	if hs.h.State == HealthOK && hs.h.Failures < hs.pol.After {
		return false
	}
	backoff := hs.pol.Backoff << min(hs.h.Quarantines, 20)
	hs.h.State, hs.h.Until = HealthQuarantined, hs.now().Add(min(backoff, hs.pol.MaxBackoff))
	hs.h.Quarantines++
	return true
}

// release ends a probe that could not run (busy, canceled) without a
// verdict.
func (hs *health) release() {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	if hs.h.State == HealthProbing {
		hs.h.State, hs.h.Until = HealthQuarantined, hs.now()
	}
}

// quarantineFor starts a quarantine of d at once (a plugin suspected of
// having brought the host down). A failed probe afterwards doubles the
// policy's backoff, as for any quarantine.
func (hs *health) quarantineFor(reason string, d time.Duration) {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	hs.h = Health{State: HealthQuarantined, Until: hs.now().Add(d), Reason: reason, Failures: 1, Quarantines: 1}
}

func (hs *health) snapshot() Health {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	return hs.h
}

// countsAsFailure tells the plugin's faults from the host's conditions.
func countsAsFailure(err error) bool {
	switch {
	case errors.Is(err, ErrCanceled), errors.Is(err, ErrBusy), errors.Is(err, ErrOverloaded),
		errors.Is(err, ErrClosed), errors.Is(err, ErrQuarantined), errors.Is(err, ErrNoMessageExport):
		return false
	}
	return true
}
