package sdk_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hostd/hostd/abi"
	"github.com/hostd/hostd/sdk"
	"github.com/hostd/hostd/sdk/sdktest"
)

// fakeClock is a settable clock for sdktest.Host.Clock.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time      { return c.t }
func (c *fakeClock) add(d time.Duration) { c.t = c.t.Add(d) }

// newClock makes h run on a clock that moves only when told to.
func newClock(h *sdktest.Host) *fakeClock {
	c := &fakeClock{time.Unix(1_800_000_000, 0)}
	h.Clock = c.now
	return c
}

// inRequest runs f during on_request.
func inRequest(h *sdktest.Host, f func()) {
	sdk.HandleRequest(func(sdk.Request, sdk.Response) sdk.Action { f(); return sdk.Continue })
	h.CallRequest()
}

func bigClaims() string { return `{"sub":"` + strings.Repeat("a", 2000) + `"}` }

func jwtHost(t *testing.T) (*sdktest.Host, *[]string) {
	h := sdktest.New(t)
	var seen []string
	h.JWT = func(keyset, token, policy string) (string, abi.Status) {
		seen = append(seen, keyset+" "+token+" "+policy)
		switch {
		case keyset != "idp":
			return "", abi.StatusNotFound
		case policy == "bad":
			return "", abi.StatusInvalidArgument
		case token == "good":
			return `{"sub":"ada"}`, abi.StatusOK
		case token == "big":
			return bigClaims(), abi.StatusOK
		}
		return "token expired", abi.StatusDenied
	}
	return h, &seen
}

func TestVerifyJWT(t *testing.T) {
	h, seen := jwtHost(t)
	policy := []byte(`{"issuer":"x"}`)
	inRequest(h, func() {
		claims, err := sdk.VerifyJWT("idp", "good", policy)
		if err != nil || string(claims) != `{"sub":"ada"}` {
			t.Errorf("good token: %q %v", claims, err)
		}
		claims, err = sdk.VerifyJWT("idp", "big", nil)
		if err != nil || string(claims) != bigClaims() {
			t.Errorf("big claims: %d bytes, %v", len(claims), err)
		}
		_, err = sdk.VerifyJWT("idp", "old", policy)
		var je *sdk.JWTError
		if !errors.As(err, &je) || je.Reason != "token expired" || !errors.Is(err, sdk.ErrDenied) {
			t.Errorf("rejected token: %v", err)
		}
		if _, err := sdk.VerifyJWT("nope", "good", policy); err != sdk.ErrNotFound {
			t.Errorf("unknown key set: %v", err)
		}
		if _, err := sdk.VerifyJWT("idp", "good", []byte("bad")); err != sdk.ErrInvalidArgument {
			t.Errorf("bad policy: %v", err)
		}
	})
	if got := (*seen)[0]; got != `idp good {"issuer":"x"}` {
		t.Errorf("host saw %q", got)
	}
	if got := (*seen)[1]; !strings.HasSuffix(got, " {}") {
		t.Errorf("nil policy reached the host as %q, want {}", got)
	}
}

func TestVerifyJWTUnsupported(t *testing.T) {
	h := sdktest.New(t) // no JWT service
	inConfigure(t, h, func() {
		if got := sdk.EnableFeatures(abi.FeatureJWT | abi.FeatureRateLimit); got.IsEnabled(abi.FeatureJWT) || !got.IsEnabled(abi.FeatureRateLimit) {
			t.Errorf("features %v", got)
		}
		if _, err := sdk.VerifyJWT("idp", "good", nil); err != sdk.ErrUnsupported {
			t.Errorf("err %v", err)
		}
	})
}

func TestJWTPolicyJSON(t *testing.T) {
	p := sdk.JWTPolicy{Issuer: "https://id.example/\"q\"\n", Audience: []string{"api", "web"},
		Algorithms: []string{"RS256"}, Leeway: 1500 * time.Millisecond}
	var got map[string]any
	if err := json.Unmarshal(p.JSON(), &got); err != nil {
		t.Fatalf("%s: %v", p.JSON(), err)
	}
	want := map[string]any{"issuer": "https://id.example/\"q\"\n", "audience": []any{"api", "web"},
		"algorithms": []any{"RS256"}, "leeway_ms": 1500.0}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("JSON %s decodes as %v", p.JSON(), got)
	}
	if s := string((sdk.JWTPolicy{}).JSON()); s != "{}" {
		t.Errorf("empty policy %s", s)
	}
	if s := string((sdk.JWTPolicy{Algorithms: []string{"ES256"}}).JSON()); s != `{"algorithms":["ES256"]}` {
		t.Errorf("algorithms only: %s", s)
	}
}

func TestRateLimitTokenBucket(t *testing.T) {
	h := sdktest.New(t)
	clock := newClock(h)
	lim := sdk.Limit{Rate: 10, Period: time.Second, Burst: 3}
	take := func() (d sdk.RateDecision) {
		inRequest(h, func() {
			var err error
			if d, err = sdk.RateLimit("test:client", lim, 1); err != nil {
				t.Fatalf("RateLimit: %v", err)
			}
		})
		return d
	}
	for i := int64(2); i >= 0; i-- {
		if d := take(); !d.Allowed || d.Remaining != i || d.Limit != 3 {
			t.Fatalf("take with %d left: %+v", i, d)
		}
	}
	d := take()
	if d.Allowed || d.RetryAfter != 100*time.Millisecond || d.Reset != 300*time.Millisecond {
		t.Fatalf("empty bucket: %+v", d)
	}
	clock.add(100 * time.Millisecond)
	if d := take(); !d.Allowed || d.Remaining != 0 {
		t.Fatalf("after one refill: %+v", d)
	}
	if d := take(); d.Allowed {
		t.Fatalf("refilled twice: %+v", d)
	}
}

func TestRateLimitSharedAcrossHosts(t *testing.T) {
	a, b := sdktest.New(t), sdktest.New(t)
	b.RateLimits = a.RateLimits // one host, two plugins naming the same bucket
	clock := newClock(a)
	b.Clock = clock.now
	lim := sdk.Limit{Rate: 1, Period: time.Minute}
	allowed := func(h *sdktest.Host) (ok bool) {
		inRequest(h, func() {
			d, err := sdk.RateLimit("shared", lim, 1)
			ok = d.Allowed && err == nil
		})
		return ok
	}
	if !allowed(a) || allowed(b) {
		t.Fatal("the second plugin got a token from a bucket of 1")
	}
}

func TestRateLimitErrors(t *testing.T) {
	h := sdktest.New(t)
	ok := sdk.Limit{Rate: 1, Period: time.Second}
	for name, tc := range map[string]struct {
		name string
		lim  sdk.Limit
		cost int64
	}{
		"empty name":  {"", ok, 1},
		"long name":   {strings.Repeat("n", 257), ok, 1},
		"zero rate":   {"x", sdk.Limit{Period: time.Second}, 1},
		"zero period": {"x", sdk.Limit{Rate: 1}, 1},
		"neg burst":   {"x", sdk.Limit{Rate: 1, Period: time.Second, Burst: -1}, 1},
		"neg cost":    {"x", ok, -1},
		"bad alg":     {"x", sdk.Limit{Rate: 1, Period: time.Second, Algorithm: 7}, 1},
	} {
		inConfigure(t, h, func() {
			if _, err := sdk.RateLimit(tc.name, tc.lim, tc.cost); err != sdk.ErrInvalidArgument {
				t.Errorf("%s: %v", name, err)
			}
		})
	}
	h.RateLimits = nil
	inConfigure(t, h, func() {
		if _, err := sdk.RateLimit("x", ok, 1); err != sdk.ErrUnsupported {
			t.Errorf("no service: %v", err)
		}
	})
}

func TestRateLimitSlidingWindow(t *testing.T) {
	h := sdktest.New(t)
	clock := newClock(h) // at a whole second
	lim := sdk.Limit{Rate: 2, Period: time.Second, Algorithm: abi.RateLimitSlidingWindow}
	var got []bool
	inRequest(h, func() {
		for range 3 {
			d, _ := sdk.RateLimit("w", lim, 1)
			got = append(got, d.Allowed)
		}
	})
	clock.add(1500 * time.Millisecond) // half of the previous window still counts: 1
	inRequest(h, func() {
		for range 2 {
			d, _ := sdk.RateLimit("w", lim, 1)
			got = append(got, d.Allowed)
		}
	})
	if want := []bool{true, true, false, true, false}; !reflect.DeepEqual(got, want) {
		t.Errorf("allowed %v, want %v", got, want)
	}
}

func TestNewBreakerValidates(t *testing.T) {
	for name, tc := range map[string]struct {
		name string
		cfg  sdk.BreakerConfig
	}{
		"empty name": {"", sdk.BreakerConfig{ConsecutiveFailures: 1}},
		"long name":  {strings.Repeat("b", 257), sdk.BreakerConfig{ConsecutiveFailures: 1}},
		"no trigger": {"b", sdk.BreakerConfig{}},
		"ratio > 1":  {"b", sdk.BreakerConfig{FailureRatio: 1.5}},
		"neg window": {"b", sdk.BreakerConfig{Window: -1, ConsecutiveFailures: 1}},
		"neg probes": {"b", sdk.BreakerConfig{HalfOpenRequests: -1, ConsecutiveFailures: 1}},
	} {
		if _, err := sdk.NewBreaker(tc.name, tc.cfg); err != sdk.ErrInvalidArgument {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := sdk.NewBreaker("b", sdk.BreakerConfig{FailureRatio: 0.5}); err != nil {
		t.Errorf("valid: %v", err)
	}
}

func TestBreakerLifecycle(t *testing.T) {
	h := sdktest.New(t)
	clock := newClock(h)
	br, err := sdk.NewBreaker("payments", sdk.BreakerConfig{OpenFor: 5 * time.Second, ConsecutiveFailures: 2, HalfOpenRequests: 2})
	if err != nil {
		t.Fatal(err)
	}
	type step struct {
		allowed bool
		state   abi.BreakerState
		retry   time.Duration
	}
	allow := func() (s step) {
		inRequest(h, func() {
			var err error
			if s.allowed, s.state, s.retry, err = br.Allow(); err != nil {
				t.Fatalf("Allow: %v", err)
			}
		})
		return s
	}
	report := func(ok bool) (st abi.BreakerState) {
		inRequest(h, func() { st = br.Report(ok, 30*time.Millisecond) })
		return st
	}
	check := func(what string, got, want step) {
		t.Helper()
		if got != want {
			t.Fatalf("%s: %+v, want %+v", what, got, want)
		}
	}
	check("new", allow(), step{true, abi.BreakerClosed, 0})
	if report(false) != abi.BreakerClosed || report(true) != abi.BreakerClosed || report(false) != abi.BreakerClosed {
		t.Fatal("a success in between must reset the failures in a row")
	}
	if st := report(false); st != abi.BreakerOpen {
		t.Fatalf("two failures in a row: %v", st)
	}
	clock.add(time.Second)
	check("open", allow(), step{false, abi.BreakerOpen, 4 * time.Second})
	clock.add(4 * time.Second)
	check("probe 1", allow(), step{true, abi.BreakerHalfOpen, 0})
	check("probe 2", allow(), step{true, abi.BreakerHalfOpen, 0})
	check("no probe 3", allow(), step{false, abi.BreakerHalfOpen, 5 * time.Second})
	if report(true) != abi.BreakerHalfOpen || report(true) != abi.BreakerClosed {
		t.Fatal("two successful probes must close it")
	}
	check("closed again", allow(), step{true, abi.BreakerClosed, 0})
	if got := h.Breakers.State("payments"); got != abi.BreakerClosed {
		t.Errorf("host state %v", got)
	}
}

func TestBreakerFailureRatioAndReopen(t *testing.T) {
	h := sdktest.New(t)
	clock := newClock(h)
	br := &sdk.Breaker{Name: "upstream", Config: sdk.BreakerConfig{MinRequests: 4, FailureRatio: 0.5}}
	var states []abi.BreakerState
	inRequest(h, func() {
		for _, ok := range []bool{true, false, true, false} {
			states = append(states, br.Report(ok, 0))
		}
	})
	want := []abi.BreakerState{abi.BreakerClosed, abi.BreakerClosed, abi.BreakerClosed, abi.BreakerOpen}
	if !reflect.DeepEqual(states, want) {
		t.Fatalf("states %v, want %v", states, want)
	}
	clock.add(sdk.DefaultBreakerOpenFor)
	inRequest(h, func() {
		if ok, st, _, err := br.Allow(); !ok || st != abi.BreakerHalfOpen || err != nil {
			t.Fatalf("probe: %v %v %v", ok, st, err)
		}
		if st := br.Report(false, 0); st != abi.BreakerOpen {
			t.Fatalf("failed probe: %v", st)
		}
	})
}

func TestBreakerErrors(t *testing.T) {
	h := sdktest.New(t)
	bad := &sdk.Breaker{Name: "b"} // no trigger configured
	good := &sdk.Breaker{Name: "b", Config: sdk.BreakerConfig{ConsecutiveFailures: 1}}
	inConfigure(t, h, func() {
		if _, _, _, err := bad.Allow(); err != sdk.ErrInvalidArgument {
			t.Errorf("invalid config: %v", err)
		}
		if st := bad.Report(false, 0); st != abi.BreakerClosed {
			t.Errorf("invalid config report: %v", st)
		}
		bad.Config.ConsecutiveFailures = 1 // fixing Config re-encodes it
		if ok, _, _, err := bad.Allow(); !ok || err != nil {
			t.Errorf("after fixing the config: %v %v", ok, err)
		}
	})
	h.Breakers = nil
	inConfigure(t, h, func() {
		if _, _, _, err := good.Allow(); err != sdk.ErrUnsupported {
			t.Errorf("no service: %v", err)
		}
	})
}
