// Command circuit-breaker is hostd's built-in circuit-breaker filter: it
// asks a named host breaker whether the request may go on to the rest of
// the chain, answers with a fallback response while the breaker is open,
// and reports each admitted request's outcome, judged by the response
// status, to the breaker. See the circuit-breaker section of
// docs/builtin-plugins.md for the configuration.
//
// The outcome is judged only by the final status: when a filter after this
// one denies the request (say a 401 from jwt-auth), the target never ran,
// yet the breaker counts the status like any other (a 401 is a success
// unless failure_status lists it). The ABI does not tell who produced a
// response. Put the breaker after the filters that deny requests.
//
// The filter keeps no per-request state in instance memory: on_request
// keeps the admission time with sdk.SetRequestState, and the filter enables
// abi.FeatureAnyInstanceResponse, so the host returns its instance to the
// pool while the upstream runs (a slow upstream, which is what a breaker
// guards against, must not exhaust the breaker's instances) and runs
// on_response on any instance.
package main

import (
	"encoding/binary"
	"errors"
	"time"

	"github.com/hostd/hostd/abi"
	"github.com/hostd/hostd/sdk"
)

func init() {
	sdk.HandleConfigure(configure)
	sdk.HandleRequest(onRequest)
	sdk.HandleResponse(onResponse)
}

func main() {}

// Set once per instance, in on_configure.
var (
	cfg     breakerConfig
	breaker *sdk.Breaker
)

// warnedFailOpen keeps a host without breakers from filling the log.
var warnedFailOpen bool

// configure parses the configuration and creates the breaker handle; on
// error the previous configuration is cleared, so a rejected instance
// never filters.
func configure(raw []byte) error {
	cfg, breaker = breakerConfig{}, nil
	sdk.EnableFeatures(abi.FeatureAnyInstanceResponse)
	c, err := parse(raw)
	if err != nil {
		return errors.New("circuit-breaker: configuration: " + err.Error())
	}
	b, err := sdk.NewBreaker(c.name, sdk.BreakerConfig{
		Window:              c.window,
		OpenFor:             c.openFor,
		MinRequests:         c.minRequests,
		ConsecutiveFailures: c.consecutiveFailures,
		HalfOpenRequests:    c.halfOpenRequests,
		FailureRatio:        c.failureRatio,
	})
	if err != nil {
		return errors.New("circuit-breaker: configuration: " + err.Error())
	}
	cfg, breaker = c, b
	return nil
}

// onRequest lets the request through while the breaker admits it and
// answers with the fallback otherwise. An admitted request's admission time
// is its request state (8 bytes, Unix nanoseconds); a request without one
// was not admitted.
func onRequest(_ sdk.Request, resp sdk.Response) sdk.Action {
	if breaker == nil {
		return sdk.Continue
	}
	allowed, _, retryAfter, err := breaker.Allow()
	if err != nil {
		// Breakers fail open, like the host's own bound on them.
		if !warnedFailOpen {
			warnedFailOpen = true
			sdk.Warn("circuit-breaker: " + cfg.name + ": letting requests through: " + err.Error())
		}
		return sdk.Continue
	}
	if !allowed {
		sendFallback(resp, retryAfter)
		return sdk.Respond
	}
	binary.LittleEndian.PutUint64(admitted[:], uint64(sdk.Now().UnixNano()))
	if err := sdk.SetRequestState(admitted[:]); err != nil {
		sdk.Error("circuit-breaker: keep request state: " + err.Error())
	}
	return sdk.Continue
}

// sendFallback answers for an open breaker.
func sendFallback(resp sdk.Response, retryAfter time.Duration) {
	hd := resp.Header()
	for _, h := range cfg.fallback.headers {
		if err := hd.Set(h.name, h.value); err != nil {
			sdk.Warn("circuit-breaker: set fallback header " + h.name + ": " + err.Error())
		}
	}
	if cfg.fallback.setRetryAfter {
		if err := hd.Set("Retry-After", retryAfterSeconds(retryAfter)); err != nil {
			sdk.Warn("circuit-breaker: set Retry-After: " + err.Error())
		}
	}
	if err := resp.Send(cfg.fallback.status, cfg.fallback.body); err != nil {
		sdk.Error("circuit-breaker: send fallback: " + err.Error())
	}
}

// admitted is the request state on_request keeps and stateBuf receives it
// in on_response; package variables, as a local array passed to the host
// escapes to the heap under TinyGo.
var (
	admitted [8]byte
	stateBuf = make([]byte, 0, 8)
)

// onResponse reports the outcome of a request the breaker admitted.
func onResponse(_ sdk.Request, resp sdk.Response) {
	stateBuf = sdk.AppendRequestState(stateBuf[:0])
	st := stateBuf
	if len(st) != 8 || breaker == nil {
		return // not admitted
	}
	started := time.Unix(0, int64(binary.LittleEndian.Uint64(st)))
	latency := sdk.Now().Sub(started)
	if latency < 0 {
		latency = 0
	}
	breaker.Report(!isFailure(cfg.failures, resp.Status()), latency)
}
