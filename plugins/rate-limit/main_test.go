package main

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hostd/hostd/abi"
	"github.com/hostd/hostd/sdk/sdktest"
)

// fakeHost is a host whose rate-limit buckets and clock outlive single
// requests: each call of do serves one request on a fresh instance.
type fakeHost struct {
	t      *testing.T
	limits *sdktest.RateLimits
	now    time.Time
}

// epoch is a whole second, so sliding windows of a second start on it.
var epoch = time.Unix(1_700_000_000, 0)

func newFakeHost(t *testing.T) *fakeHost {
	return &fakeHost{t: t, limits: sdktest.NewRateLimits(), now: epoch}
}

// result is what the filter did with one request.
type result struct {
	h      *sdktest.Host
	action abi.Action
}

// do configures an instance with config and serves one request prepared
// by setup (nil: the defaults, from 192.0.2.1).
func (f *fakeHost) do(config string, setup func(r *sdktest.Request)) result {
	f.t.Helper()
	h := sdktest.New(f.t)
	h.Config = []byte(config)
	h.RateLimits = f.limits
	h.Clock = func() time.Time { return f.now }
	if st := h.CallConfigure(); st != abi.StatusOK {
		f.t.Fatalf("configure %s: %v (logs %v)", config, st, h.Logs)
	}
	if setup != nil {
		setup(&h.Request)
	}
	return result{h, h.CallRequest()}
}

func (r result) allowed(t *testing.T) bool {
	t.Helper()
	switch {
	case r.action == abi.ActionContinue && !r.h.Sent:
		return true
	case r.action == abi.ActionRespond && r.h.Sent && r.h.Response.Status == 429:
		return false
	}
	t.Fatalf("action %v sent %v status %d", r.action, r.h.Sent, r.h.Response.Status)
	return false
}

// header returns a response header as a number (-1 when absent).
func (r result) header(t *testing.T, name string) int64 {
	t.Helper()
	v := r.h.Response.Header.Values(name)
	if len(v) == 0 {
		return -1
	}
	n, err := strconv.ParseInt(v[0], 10, 64)
	if err != nil || len(v) != 1 {
		t.Fatalf("%s: %q", name, v)
	}
	return n
}

// count serves n requests at the current time and returns how many passed.
func (f *fakeHost) count(n int, config string, setup func(r *sdktest.Request)) int {
	f.t.Helper()
	passed := 0
	for range n {
		if f.do(config, setup).allowed(f.t) {
			passed++
		}
	}
	return passed
}

func from(addr string) func(r *sdktest.Request) {
	return func(r *sdktest.Request) { r.RemoteAddr = addr }
}

func withHeader(name, value string) func(r *sdktest.Request) {
	return func(r *sdktest.Request) { r.Header.Set(name, value) }
}

func TestTokenBucketHeaders(t *testing.T) {
	f := newFakeHost(t)
	const config = `{"rate": 2, "per": "1s", "burst": 3}`
	for i, want := range []struct {
		allowed                     bool
		limit, remaining, reset, ra int64
	}{
		{true, 3, 2, 1, -1}, // reset: 1 token at 2/s = 500ms, rounded up
		{true, 3, 1, 1, -1}, // 1s
		{true, 3, 0, 2, -1}, // 1.5s
		{false, 3, 0, 2, 1}, // retry after 500ms
	} {
		r := f.do(config, nil)
		got := []int64{r.header(t, "RateLimit-Limit"), r.header(t, "RateLimit-Remaining"),
			r.header(t, "RateLimit-Reset"), r.header(t, "Retry-After")}
		if r.allowed(t) != want.allowed || got[0] != want.limit || got[1] != want.remaining ||
			got[2] != want.reset || got[3] != want.ra {
			t.Errorf("request %d: allowed %v, Limit/Remaining/Reset/Retry-After %v; want %+v",
				i+1, r.allowed(t), got, want)
		}
	}
}

func TestDeniedResponse(t *testing.T) {
	f := newFakeHost(t)
	const config = `{"rate": 1, "per": "1m"}`
	f.do(config, nil)
	f.now = f.now.Add(10 * time.Second)
	r := f.do(config, nil)
	if r.allowed(t) {
		t.Fatal("second request within a minute passed")
	}
	if got := r.header(t, "Retry-After"); got != 50 {
		t.Errorf("Retry-After %d, want 50", got)
	}
	if ct := r.h.Response.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	var body struct {
		Error struct{ Code, Message string }
	}
	if err := json.Unmarshal(r.h.Response.Body, &body); err != nil {
		t.Fatalf("body %q: %v", r.h.Response.Body, err)
	}
	if body.Error.Code != "rate_limited" || body.Error.Message == "" {
		t.Errorf("error %+v", body.Error)
	}
}

// TestRetryAfterAtLeastOne: a deny whose wait rounds to 0ms still says 1.
func TestRetryAfterAtLeastOne(t *testing.T) {
	f := newFakeHost(t)
	const config = `{"rate": 1000, "burst": 1}`
	f.do(config, nil)
	r := f.do(config, nil)
	if r.allowed(t) || r.header(t, "Retry-After") != 1 || r.header(t, "RateLimit-Reset") != 1 {
		t.Errorf("allowed %v, headers %v", r.allowed(t), r.h.Response.Header)
	}
}

// TestTokenBucketCounts checks burst + floor(rate × T / per) over T.
func TestTokenBucketCounts(t *testing.T) {
	f := newFakeHost(t)
	const config = `{"rate": 10, "per": "1m", "burst": 5}`
	passed := 0
	for range 60 { // t = 0s … 59s, three requests a second
		passed += f.count(3, config, nil)
		f.now = f.now.Add(time.Second)
	}
	if want := 5 + 10*59/60; passed != want {
		t.Errorf("%d requests passed, want %d", passed, want)
	}
}

func TestSlidingWindow(t *testing.T) {
	f := newFakeHost(t)
	const config = `{"rate": 3, "per": "1s", "algorithm": "sliding_window"}`
	steps := []struct {
		at   time.Duration
		want int // of 5 requests
	}{
		{0, 3},
		{500 * time.Millisecond, 0},  // a token bucket would pass 1 here
		{time.Second, 0},             // the previous window still weighs 3
		{1500 * time.Millisecond, 1}, // it weighs ceil(3 × 0.5) = 2
		{3 * time.Second, 3},
	}
	for _, s := range steps {
		f.now = epoch.Add(s.at)
		if got := f.count(5, config, nil); got != s.want {
			t.Errorf("at %v: %d passed, want %d", s.at, got, s.want)
		}
	}
	f.now = epoch.Add(3*time.Second + 200*time.Millisecond)
	r := f.do(config, nil)
	if r.allowed(t) || r.header(t, "RateLimit-Limit") != 3 || r.header(t, "RateLimit-Reset") != 1 ||
		r.header(t, "Retry-After") != 1 {
		t.Errorf("allowed %v, headers %v", r.allowed(t), r.h.Response.Header)
	}
}

func TestKeys(t *testing.T) {
	tests := []struct {
		name    string
		key     string
		a, b    func(r *sdktest.Request) // two clients
		shared  bool                     // whether they share a bucket
		bucketA string                   // a's bucket name after the prefix
	}{
		{"ip: other address", `"ip"`, from("192.0.2.1:1000"), from("192.0.2.2:1000"), false, "192.0.2.1"},
		{"ip: other port", `"ip"`, from("192.0.2.1:1000"), from("192.0.2.1:2000"), true, "192.0.2.1"},
		{"ip: IPv6", `"ip"`, from("[2001:db8::1]:1000"), from("[2001:db8::2]:1000"), false, "2001:db8::1"},
		{"header: other value", `"header:X-Tenant"`, withHeader("X-Tenant", "acme"), withHeader("X-Tenant", "initech"), false, "acme"},
		{"header: same value, other address", `"header:X-Tenant"`, withHeader("X-Tenant", "acme"),
			func(r *sdktest.Request) { r.Header.Set("X-Tenant", "acme"); r.RemoteAddr = "198.51.100.7:1" }, true, "acme"},
		{"header: missing is the empty value", `"header:X-Tenant"`, nil, from("198.51.100.7:1"), true, ""},
		{"claim", `"claim:sub"`, withHeader("X-Claim-Sub", "alice"), withHeader("X-Claim-Sub", "bob"), false, "alice"},
		{"route", `"route"`, from("192.0.2.1:1"), from("192.0.2.2:1"), true, ""},
		{"list", `["header:X-Tenant", "ip"]`, withHeader("X-Tenant", "acme"),
			func(r *sdktest.Request) { r.Header.Set("X-Tenant", "acme"); r.RemoteAddr = "198.51.100.7:1" }, false, "acme\x1f192.0.2.1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeHost(t)
			config := `{"rate": 1, "per": "1h", "bucket": "b", "key": ` + tc.key + `}`
			if !f.do(config, tc.a).allowed(t) {
				t.Fatal("first request denied")
			}
			if got := string(nameBuf); got != "b:"+tc.bucketA {
				t.Errorf("bucket %q, want %q", got, "b:"+tc.bucketA)
			}
			if got := f.do(config, tc.b).allowed(t); got == tc.shared {
				t.Errorf("second client allowed %v, want %v", got, !tc.shared)
			}
			if f.do(config, tc.a).allowed(t) {
				t.Error("first client allowed twice")
			}
			if n, want := f.limits.Len(), map[bool]int{true: 1, false: 2}[tc.shared]; n != want {
				t.Errorf("%d buckets, want %d", n, want)
			}
		})
	}
}

func TestTiers(t *testing.T) {
	f := newFakeHost(t)
	const config = `{"rate": 1, "per": "1h", "tiers": {"by": "header:X-Tier", "limits": {
		"vip": {"rate": 5}, "team": {"rate": 2, "burst": 3}}}}`
	tier := func(name string) func(r *sdktest.Request) { return withHeader("X-Tier", name) }
	if got := f.count(10, config, tier("vip")); got != 5 {
		t.Errorf("vip: %d passed, want 5", got)
	}
	if got := f.count(10, config, tier("team")); got != 3 {
		t.Errorf("team: %d passed, want 3", got)
	}
	if r := f.do(config, tier("team")); r.header(t, "RateLimit-Limit") != 3 {
		t.Errorf("team: RateLimit-Limit %v", r.h.Response.Header)
	}
	// No tier and an unknown tier share the top-level bucket: a client
	// cannot get a fresh bucket by sending a made-up tier.
	if got := f.count(3, config, nil); got != 1 {
		t.Errorf("no tier: %d passed, want 1", got)
	}
	if got := f.count(3, config, tier("gold")); got != 0 {
		t.Errorf("unknown tier: %d passed, want 0", got)
	}
	if n := f.limits.Len(); n != 3 {
		t.Errorf("%d buckets, want 3", n)
	}
	// Another client gets buckets of its own in every tier.
	other := func(r *sdktest.Request) { r.RemoteAddr = "192.0.2.9:1"; r.Header.Set("X-Tier", "vip") }
	if got := f.count(10, config, other); got != 5 {
		t.Errorf("other vip: %d passed, want 5", got)
	}
}

func TestBucketSharing(t *testing.T) {
	f := newFakeHost(t)
	a := `{"rate": 1, "per": "1h"}`
	if !f.do(a, nil).allowed(t) {
		t.Fatal("first request denied")
	}
	if f.do(a, nil).allowed(t) {
		t.Error("identical configuration: a second bucket")
	}
	if !f.do(`{"rate":1, "per": "1h"}`, nil).allowed(t) {
		t.Error("other configuration bytes: shared the bucket")
	}
	named := `{"rate": 1, "per": "1h", "bucket": "api"}`
	if !f.do(named, nil).allowed(t) {
		t.Error("named bucket: denied")
	}
	if f.do(`{"rate": 1, "per": "2h", "bucket": "api"}`, nil).allowed(t) {
		t.Error("same bucket field: did not share")
	}
}

func TestHeadersKeptWhenAllowed(t *testing.T) {
	f := newFakeHost(t)
	r := f.do(`{"rate": 10}`, nil)
	if !r.allowed(t) || r.header(t, "RateLimit-Limit") != 10 || r.header(t, "RateLimit-Remaining") != 9 ||
		r.header(t, "RateLimit-Reset") != 1 || r.header(t, "Retry-After") != -1 {
		t.Errorf("headers %v", r.h.Response.Header)
	}
	r.h.CallResponse()
	if r.header(t, "RateLimit-Remaining") != 9 {
		t.Errorf("after on_response: %v", r.h.Response.Header)
	}
}

func TestInvalidConfig(t *testing.T) {
	for _, config := range []string{`{}`, `{"rate": 0}`, `{"rate": 1, "key": "cookie:x"}`, `{"rate": 1, "extra": 1}`} {
		h := sdktest.New(t)
		h.Config = []byte(config)
		if st := h.CallConfigure(); st != abi.StatusInvalidArgument {
			t.Errorf("%s: status %v, want invalid_argument", config, st)
		}
		if !h.Logged(abi.LogLevelError, "rate-limit: configuration:") {
			t.Errorf("%s: logs %v", config, h.Logs)
		}
	}
}

// TestRejectedConfigClearsPrevious checks that an instance whose new
// configuration was rejected does not keep limiting with the old one.
func TestRejectedConfigClearsPrevious(t *testing.T) {
	h := sdktest.New(t)
	h.Config = []byte(`{"rate": 1}`)
	h.CallConfigure()
	h.Config = []byte(`{"rate": -1}`)
	h.CallConfigure()
	if cfg.keys != nil || cfg.prefix != "" {
		t.Errorf("configuration kept after rejection: %+v", cfg)
	}
	if a := h.CallRequest(); a != abi.ActionContinue || len(h.Response.Header) != 0 {
		t.Errorf("action %v headers %v", a, h.Response.Header)
	}
}

// TestHostWithoutRateLimitsTraps: the filter fails (a trap in hostd), so
// the binding's failure policy decides.
func TestHostWithoutRateLimitsTraps(t *testing.T) {
	h := sdktest.New(t)
	h.Config = []byte(`{"rate": 1}`)
	h.RateLimits = nil
	if st := h.CallConfigure(); st != abi.StatusOK {
		t.Fatalf("configure: %v", st)
	}
	defer func() {
		r := recover()
		if msg, _ := r.(string); !strings.Contains(msg, "rate-limit: sdk: unsupported") {
			t.Errorf("recovered %v, want the unsupported panic", r)
		}
		if !h.Logged(abi.LogLevelError, "rate-limit: sdk: unsupported") {
			t.Errorf("logs %v", h.Logs)
		}
	}()
	h.CallRequest()
	t.Error("on_request returned")
}
