package main

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/hostd/hostd/abi"
	"github.com/hostd/hostd/sdk/sdktest"
)

// clock is a fake wall clock shared by the Hosts of a test.
type clock struct{ now time.Time }

func (c *clock) Now() time.Time          { return c.now }
func (c *clock) advance(d time.Duration) { c.now = c.now.Add(d) }

func newClock() *clock { return &clock{time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)} }

// configured returns a Host on clk whose plugin accepted config.
func configured(t *testing.T, clk *clock, config string) *sdktest.Host {
	t.Helper()
	h := sdktest.New(t)
	h.Clock = clk.Now
	h.Config = []byte(config)
	if st := h.CallConfigure(); st != abi.StatusOK {
		t.Fatalf("configure: %v (logs %v)", st, h.Logs)
	}
	return h
}

// serve runs one request through the filter. When the filter lets it
// through, the target answers with status. It reports whether the request
// was let through.
func serve(t *testing.T, h *sdktest.Host, status int) bool {
	t.Helper()
	h.Sent, h.RequestState = false, nil // a new request
	h.Response = sdktest.Response{Status: 200, Header: http.Header{}, Buffered: true}
	a := h.CallRequest()
	passed := a == abi.ActionContinue && !h.Sent
	if !passed && (a != abi.ActionRespond || !h.Sent) {
		t.Fatalf("action %v, sent %v: want continue, or respond with a response", a, h.Sent)
	}
	if passed {
		h.Response.Status = status
	}
	h.CallResponse()
	return passed
}

// serveAll runs requests with statuses, all of which must pass.
func serveAll(t *testing.T, h *sdktest.Host, statuses ...int) {
	t.Helper()
	for i, st := range statuses {
		if !serve(t, h, st) {
			t.Fatalf("request %d (status %d) was not let through", i, st)
		}
	}
}

func wantState(t *testing.T, h *sdktest.Host, name string, want abi.BreakerState) {
	t.Helper()
	if got := h.Breakers.State(name); got != want {
		t.Fatalf("breaker %s is %v, want %v", name, got, want)
	}
}

// wantOpenResponse checks the default fallback.
func wantOpenResponse(t *testing.T, h *sdktest.Host, retryAfter string) {
	t.Helper()
	if serve(t, h, 200) {
		t.Fatal("request let through while open")
	}
	r := h.Response
	if r.Status != 503 || r.Header.Get("Content-Type") != "application/json" || r.Header.Get("Retry-After") != retryAfter {
		t.Errorf("status %d, headers %v; want 503 json with Retry-After %s", r.Status, r.Header, retryAfter)
	}
	var body struct {
		Error struct{ Code, Message string }
	}
	if err := json.Unmarshal(r.Body, &body); err != nil || body.Error.Code != "circuit_open" || body.Error.Message == "" {
		t.Errorf("body %s (%v)", r.Body, err)
	}
}

func TestRatioOpens(t *testing.T) {
	clk := newClock()
	h := configured(t, clk, `{"name": "api", "min_requests": 4, "failure_ratio": 0.5}`)
	serveAll(t, h, 200, 500, 200)
	wantState(t, h, "api", abi.BreakerClosed)
	serveAll(t, h, 503) // 2 of 4 failed
	wantState(t, h, "api", abi.BreakerOpen)
	wantOpenResponse(t, h, "30")
	clk.advance(10500 * time.Millisecond)
	wantOpenResponse(t, h, "20")
}

func TestRatioNeedsMinRequests(t *testing.T) {
	h := configured(t, newClock(), `{"name": "api", "min_requests": 4}`)
	serveAll(t, h, 500, 500, 500)
	wantState(t, h, "api", abi.BreakerClosed)
	serveAll(t, h, 500)
	wantState(t, h, "api", abi.BreakerOpen)
}

func TestRatioWindow(t *testing.T) {
	clk := newClock()
	h := configured(t, clk, `{"name": "api", "min_requests": 2, "window": "10s"}`)
	serveAll(t, h, 500)
	clk.advance(11 * time.Second) // the failure leaves the window
	serveAll(t, h, 200, 200, 500) // 1 of 3
	wantState(t, h, "api", abi.BreakerClosed)
}

func TestConsecutiveOpens(t *testing.T) {
	h := configured(t, newClock(), `{"name": "api", "failure_ratio": 0, "consecutive_failures": 3}`)
	serveAll(t, h, 500, 500, 200, 500, 500)
	wantState(t, h, "api", abi.BreakerClosed)
	serveAll(t, h, 502)
	wantState(t, h, "api", abi.BreakerOpen)
	wantOpenResponse(t, h, "30")
}

func TestHalfOpen(t *testing.T) {
	const config = `{"name": "api", "consecutive_failures": 1, "open_for": "5s", "half_open_requests": 2}`
	clk := newClock()
	h := configured(t, clk, config)
	serveAll(t, h, 500)
	wantOpenResponse(t, h, "5")
	clk.advance(5 * time.Second)

	// A failed probe opens it again.
	serveAll(t, h, 504)
	wantState(t, h, "api", abi.BreakerOpen)
	wantOpenResponse(t, h, "5")
	clk.advance(5 * time.Second)

	// Two successful probes close it.
	serveAll(t, h, 200)
	wantState(t, h, "api", abi.BreakerHalfOpen)
	serveAll(t, h, 204)
	wantState(t, h, "api", abi.BreakerClosed)
	serveAll(t, h, 200, 200)
}

// TestHalfOpenProbesTaken checks the fallback while every probe is out: a
// second instance asks while the first instance's probe is in flight.
func TestHalfOpenProbesTaken(t *testing.T) {
	const config = `{"name": "api", "consecutive_failures": 1, "open_for": "7s"}`
	clk := newClock()
	h1 := configured(t, clk, config)
	serveAll(t, h1, 500)
	clk.advance(8 * time.Second)
	if a := h1.CallRequest(); a != abi.ActionContinue || h1.Sent {
		t.Fatalf("probe: action %v sent %v", a, h1.Sent)
	}
	h2 := sdktest.New(t)
	h2.Clock, h2.Breakers = clk.Now, h1.Breakers
	wantOpenResponse(t, h2, "7")
	wantState(t, h2, "api", abi.BreakerHalfOpen)
}

func TestFailureStatus(t *testing.T) {
	for _, tc := range []struct {
		config string
		status int
		opens  bool
	}{
		{`{}`, 500, true},
		{`{}`, 599, true},
		{`{}`, 404, false},
		{`{}`, 401, false}, // e.g. a later filter's deny: counted by status
		{`{}`, 200, false},
		{`{"failure_status": ["4xx", 503]}`, 404, true},
		{`{"failure_status": ["4xx", 503]}`, 503, true},
		{`{"failure_status": ["4xx", 503]}`, 500, false},
		{`{"failure_status": ["4XX", "503"]}`, 429, true},
		{`{"failure_status": [429]}`, 502, true}, // upstream_unavailable
		{`{"failure_status": [429]}`, 504, true}, // upstream_timeout
		{`{"failure_status": []}`, 500, false},
	} {
		t.Run(tc.config+"/"+http.StatusText(tc.status), func(t *testing.T) {
			var rc map[string]any
			_ = json.Unmarshal([]byte(tc.config), &rc)
			rc["name"], rc["consecutive_failures"], rc["failure_ratio"] = "api", 1, 0
			config, _ := json.Marshal(rc)
			h := configured(t, newClock(), string(config))
			serveAll(t, h, tc.status)
			want := map[bool]abi.BreakerState{true: abi.BreakerOpen, false: abi.BreakerClosed}[tc.opens]
			wantState(t, h, "api", want)
		})
	}
}

func TestCustomFallback(t *testing.T) {
	h := configured(t, newClock(), `{"name": "api", "consecutive_failures": 1, "open_for": "1m",
		"fallback": {"status": 200, "headers": {"X-Degraded": "1"}, "body": "cached"}}`)
	h.Response.Header.Set("X-Earlier", "kept")
	serveAll(t, h, 500)
	if serve(t, h, 200) {
		t.Fatal("request let through while open")
	}
	r := h.Response
	if r.Status != 200 || string(r.Body) != "cached" || r.Header.Get("X-Degraded") != "1" ||
		r.Header.Get("Retry-After") != "60" || r.Header.Get("Content-Type") != "text/plain; charset=utf-8" {
		t.Errorf("response %d %v %q", r.Status, r.Header, r.Body)
	}
}

func TestFallbackRetryAfterFromConfig(t *testing.T) {
	h := configured(t, newClock(), `{"name": "api", "consecutive_failures": 1,
		"fallback": {"headers": {"retry-after": "120"}}}`)
	serveAll(t, h, 500)
	wantOpenResponse(t, h, "120")
	if got := h.Response.Header.Values("Retry-After"); len(got) != 1 {
		t.Errorf("Retry-After %q", got)
	}
}

// TestFallbackNotReported checks that a request answered with the fallback
// is not marked admitted, so its on_response reports nothing (see also
// TestHalfOpenProbesTaken, where such a report would reopen the breaker).
func TestFallbackNotReported(t *testing.T) {
	clk := newClock()
	h := configured(t, clk, `{"name": "api", "consecutive_failures": 1, "open_for": "1s"}`)
	serveAll(t, h, 500)
	wantOpenResponse(t, h, "1")
	if h.RequestState != nil {
		t.Error("a rejected request is marked admitted")
	}
	clk.advance(time.Second)
	serveAll(t, h, 200)
	wantState(t, h, "api", abi.BreakerClosed)
}

func TestDefaultNameSharedByIdenticalConfigs(t *testing.T) {
	const config = `{"consecutive_failures": 2}`
	clk := newClock()
	h1 := configured(t, clk, config)
	serveAll(t, h1, 500)
	h2 := configured(t, clk, config)
	h2.Breakers = h1.Breakers
	serveAll(t, h2, 500)
	wantState(t, h1, defaultName([]byte(config)), abi.BreakerOpen)
	wantOpenResponse(t, h1, "30")

	h3 := configured(t, clk, `{"consecutive_failures": 2, "window": "10s"}`)
	h3.Breakers = h1.Breakers
	serveAll(t, h3, 200)
}

func TestHostWithoutBreakersFailsOpen(t *testing.T) {
	h := sdktest.New(t)
	h.Breakers = nil
	h.Config = []byte(`{"name": "api"}`)
	if st := h.CallConfigure(); st != abi.StatusOK {
		t.Fatalf("configure: %v", st)
	}
	warnedFailOpen = false
	serveAll(t, h, 500, 500)
	n := 0
	for _, l := range h.Logs {
		if l.Level == abi.LogLevelWarn {
			n++
		}
	}
	if n != 1 || !h.Logged(abi.LogLevelWarn, "circuit-breaker: api: letting requests through") {
		t.Errorf("logs %v", h.Logs)
	}
}

func TestConfigRejected(t *testing.T) {
	for _, config := range []string{
		`[]`,
		`{"unknown": true}`,
		`{"window": "soon"}`,
		`{"failure_ratio": 0}`,
		`{"failure_status": ["9xx"]}`,
		`{"fallback": {"status": 99}}`,
	} {
		t.Run(config, func(t *testing.T) {
			h := sdktest.New(t)
			h.Config = []byte(config)
			if st := h.CallConfigure(); st != abi.StatusInvalidArgument {
				t.Errorf("status %v, want invalid_argument", st)
			}
			if !h.Logged(abi.LogLevelError, "circuit-breaker: configuration:") {
				t.Errorf("logs %v", h.Logs)
			}
		})
	}
}

// TestRejectedConfigClearsPrevious checks that an instance whose new
// configuration was rejected does not keep the old breaker.
func TestRejectedConfigClearsPrevious(t *testing.T) {
	h := configured(t, newClock(), `{"name": "api", "consecutive_failures": 1}`)
	serveAll(t, h, 500)
	h.Config = []byte(`{"window": 1}`)
	h.CallConfigure()
	if breaker != nil || cfg.name != "" {
		t.Errorf("configuration kept after rejection: %+v", cfg)
	}
}

// TestResponseOnAnotherInstance checks that the filter asks for
// any_instance_response and that on_response on another instance, which
// sees only the request state, reports the outcome of the request.
func TestResponseOnAnotherInstance(t *testing.T) {
	const config = `{"name": "api", "consecutive_failures": 1, "open_for": "1m"}`
	clk := newClock()
	h1 := configured(t, clk, config)
	if !h1.Enabled.IsEnabled(abi.FeatureAnyInstanceResponse) {
		t.Fatalf("features %v: any_instance_response not enabled", h1.Enabled)
	}
	h2 := configured(t, clk, config)
	h2.Breakers = h1.Breakers
	h1.Response = sdktest.Response{Status: 200, Header: http.Header{}, Buffered: true}
	if a := h1.CallRequest(); a != abi.ActionContinue || h1.Sent {
		t.Fatalf("action %v sent %v", a, h1.Sent)
	}
	h2.RequestState = h1.RequestState
	h2.Response = sdktest.Response{Status: 500, Header: http.Header{}, Buffered: true}
	h2.CallResponse()
	wantState(t, h1, "api", abi.BreakerOpen)
	// on_response without an admission (state) reports nothing.
	h3 := configured(t, clk, `{"name": "other", "consecutive_failures": 1}`)
	h3.Breakers = h1.Breakers
	h3.Response = sdktest.Response{Status: 500, Header: http.Header{}, Buffered: true}
	h3.CallResponse()
	if a := h3.CallRequest(); a != abi.ActionContinue || h3.Sent {
		t.Fatalf("breaker other opened by a report without admission: action %v", a)
	}
}
