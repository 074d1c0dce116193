package upstream

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptrace"
	"sync/atomic"
	"time"
)

// Upstream sends requests to a set of targets. It is safe for concurrent
// use.
type Upstream struct {
	cfg     Config
	bal     balancer
	rt      http.RoundTripper
	ownedRT *http.Transport // nil when the caller supplied the transport
}

// New validates c and returns an Upstream for it. A nil transport means a
// transport of the Upstream's own, tuned for a proxy (see newTransport),
// whose idle connections Close closes. It returns Validate's error for a
// bad Config.
func New(c Config, transport http.RoundTripper) (*Upstream, error) {
	if err := Validate(c); err != nil {
		return nil, err
	}
	c = c.withDefaults()
	u := &Upstream{cfg: c, rt: transport}
	if transport == nil {
		u.ownedRT = newTransport()
		u.rt = u.ownedRT
	}
	u.bal = balancer{policy: c.Balance, now: c.Now, targets: make([]*target, len(c.Targets))}
	for i, raw := range c.Targets {
		t, _ := parseTarget(raw) // validated above
		u.bal.targets[i] = &target{url: t, raw: raw}
	}
	return u, nil
}

// newTransport returns a transport that keeps connections alive, bounds
// connecting, ignores proxy environment variables and passes the body
// through as the upstream encoded it. It has no ResponseHeaderTimeout: Do's
// own deadline covers the whole exchange, and a second timer of the same
// length would race it (the transport's firing first looks like a failure
// that leaves time for a retry).
func newTransport() *http.Transport {
	d := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}
	return &http.Transport{
		DialContext:           d.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          1024,
		MaxIdleConnsPerHost:   64,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   5 * time.Second,
		ExpectContinueTimeout: time.Second,
		DisableCompression:    true,
	}
}

// Close closes the idle connections of the Upstream's own transport. The
// Upstream stays usable; requests in flight are not affected.
func (u *Upstream) Close() {
	if u.ownedRT != nil {
		u.ownedRT.CloseIdleConnections()
	}
}

// Stats returns a snapshot of every target, in Config.Targets order.
func (u *Upstream) Stats() []TargetStats {
	now := u.cfg.Now().UnixNano()
	out := make([]TargetStats, len(u.bal.targets))
	for i, t := range u.bal.targets {
		out[i] = TargetStats{URL: t.raw, Healthy: t.up(now), InFlight: t.inflight.Load(),
			Requests: t.requests.Load(), Failures: t.failures.Load()}
	}
	return out
}

// Do sends r to a target and returns its response with the body open; the
// caller must close it. r is the incoming request, possibly changed by
// filters; Do neither modifies nor closes it. See the package doc for the
// headers, health and retry rules.
//
// # Errors
//
// Errors wrap ErrTimeout when the response headers did not arrive within
// Config.Timeout or before ctx's deadline, ErrUnavailable when every
// attempt failed otherwise, and context.Canceled (and neither sentinel)
// when ctx was canceled: the client went away. The cause is wrapped too.
func (u *Upstream) Do(ctx context.Context, r *http.Request) (*http.Response, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	timer := time.AfterFunc(u.cfg.Timeout, func() { cancel(errDeadline) })
	o := newOutgoing(r)
	var triedBuf [4]int
	tried := triedBuf[:0]
	var lastErr error
	for n := 0; n <= u.cfg.Retries; n++ {
		i := u.bal.pick(tried)
		if i < 0 {
			break
		}
		tried = append(tried, i)
		t := u.bal.targets[i]
		resp, wrote, err := u.attempt(ctx, t, o, n)
		if err == nil {
			return u.deliver(resp, t, timer, cancel)
		}
		lastErr = err
		if ctx.Err() != nil || (wrote && !o.idempotent()) || !o.replayable(n+1) {
			break
		}
	}
	timer.Stop()
	err := u.classify(ctx, lastErr) // before cancel, which sets the cause
	cancel(nil)
	return nil, err
}

// attempt sends attempt n to t. wrote reports whether the headers of a
// non-idempotent request may have reached the target (it is always false
// for an idempotent one, where it does not matter).
func (u *Upstream) attempt(ctx context.Context, t *target, o *outgoing, n int) (resp *http.Response, wrote bool, err error) {
	var sent atomic.Bool
	if !o.idempotent() {
		ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
			WroteHeaders: func() { sent.Store(true) },
		})
	}
	out, err := o.request(ctx, t, n)
	if err != nil {
		return nil, false, err
	}
	t.inflight.Add(1)
	t.requests.Add(1)
	resp, err = u.rt.RoundTrip(out)
	if err != nil {
		t.inflight.Add(-1)
		if ctx.Err() == nil || errors.Is(context.Cause(ctx), errDeadline) {
			u.bal.failed(t, u.cfg.FailureThreshold, u.cfg.Cooldown)
		}
		return nil, sent.Load(), fmt.Errorf("%s: %w", t.raw, err)
	}
	u.bal.succeeded(t)
	return resp, true, nil
}

// deliver hands resp to the caller unless the deadline fired just as it
// arrived.
func (u *Upstream) deliver(resp *http.Response, t *target, timer *time.Timer, cancel context.CancelCauseFunc) (*http.Response, error) {
	release := func() {
		t.inflight.Add(-1)
		cancel(nil)
	}
	if !timer.Stop() {
		resp.Body.Close()
		release()
		return nil, fmt.Errorf("%w after %s: %s: response arrived at the deadline", ErrTimeout, u.cfg.Timeout, t.raw)
	}
	RemoveHopHeaders(resp.Header)
	resp.Body = &responseBody{ReadCloser: resp.Body, done: release}
	return resp, nil
}

// classify wraps the last attempt's error with the sentinel the data plane
// maps to a status.
func (u *Upstream) classify(ctx context.Context, err error) error {
	if err == nil { // unreachable: there is always a first target
		err = errors.New("no target to try")
	}
	var ne net.Error
	switch cause := context.Cause(ctx); {
	case errors.Is(cause, errDeadline):
		return fmt.Errorf("%w after %s: %w", ErrTimeout, u.cfg.Timeout, err)
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return fmt.Errorf("%w: the caller's deadline passed: %w", ErrTimeout, err)
	case ctx.Err() != nil:
		return fmt.Errorf("upstream: request canceled (%v): %w: %w", cause, ctx.Err(), err)
	case errors.As(err, &ne) && ne.Timeout():
		return fmt.Errorf("%w: %w", ErrTimeout, err)
	}
	return fmt.Errorf("%w: %w", ErrUnavailable, err)
}
