package policy

import (
	"encoding/json"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// op is one step of a breaker scenario: an Allow (report == 0) or a Report
// of success (report > 0) or failure (report < 0).
type op struct {
	at      time.Duration
	report  int
	allowed bool          // Allow only
	retry   time.Duration // Allow only
	state   State
}

func allowOp(d time.Duration, allowed bool, st State, retry time.Duration) op {
	return op{at: d, allowed: allowed, state: st, retry: retry}
}
func okOp(d time.Duration, st State) op   { return op{at: d, report: 1, state: st} }
func failOp(d time.Duration, st State) op { return op{at: d, report: -1, state: st} }

func TestBreakerTransitions(t *testing.T) {
	sec := time.Second
	ratio := BreakerConfig{Window: 10 * sec, MinRequests: 4, FailureRatio: 0.5, OpenFor: 5 * sec, HalfOpenRequests: 2}
	consec := BreakerConfig{Window: 10 * sec, ConsecutiveFailures: 3, OpenFor: 5 * sec, HalfOpenRequests: 1}
	tests := []struct {
		name string
		cfg  BreakerConfig
		ops  []op
	}{
		{"ratio waits for min_requests", ratio, []op{
			failOp(0, Closed), failOp(0, Closed), failOp(0, Closed), // 3 < min_requests
			okOp(0, Closed),   // a success never opens it
			failOp(sec, Open), // 4 of 5 failed
			allowOp(2*sec, false, Open, 4*sec),
		}},
		{"ratio exactly at the threshold", ratio, []op{
			okOp(0, Closed), okOp(0, Closed), failOp(0, Closed), failOp(0, Open),
		}},
		{"ratio below the threshold", ratio, []op{
			okOp(0, Closed), okOp(0, Closed), okOp(0, Closed), failOp(0, Closed), failOp(0, Closed), // 2/5
		}},
		{"failures age out of the window", ratio, []op{
			failOp(0, Closed), failOp(0, Closed), failOp(0, Closed),
			failOp(10*sec, Closed), // the first three are out of the window: 1 < min_requests
			failOp(10*sec, Closed), failOp(10*sec, Closed), failOp(10*sec, Open),
		}},
		{"consecutive failures", consec, []op{
			failOp(0, Closed), failOp(0, Closed), okOp(0, Closed), // the run restarts
			failOp(0, Closed), failOp(0, Closed), failOp(time.Hour, Open), // windows do not matter
		}},
		{"open → half-open → closed", ratio, []op{
			okOp(0, Closed), okOp(0, Closed), failOp(0, Closed), failOp(0, Open),
			okOp(sec, Open), // reports while open are ignored
			allowOp(4999*time.Millisecond, false, Open, time.Millisecond),
			allowOp(5*sec, true, HalfOpen, 0), allowOp(5*sec, true, HalfOpen, 0),
			allowOp(5*sec, false, HalfOpen, 5*sec), // exactly 2 probes
			okOp(6*sec, HalfOpen), okOp(6*sec, Closed),
			allowOp(6*sec, true, Closed, 0),
			failOp(6*sec, Closed), // counts restarted on closing: 1 < min_requests
		}},
		{"half-open → open on a failed probe", ratio, []op{
			okOp(0, Closed), okOp(0, Closed), failOp(0, Closed), failOp(0, Open),
			allowOp(5*sec, true, HalfOpen, 0), allowOp(5*sec, true, HalfOpen, 0),
			okOp(5*sec, HalfOpen), failOp(7*sec, Open),
			allowOp(11*sec, false, Open, sec),  // open_for counts from the failed probe
			allowOp(12*sec, true, HalfOpen, 0), // a fresh set of probes
		}},
		{"half-open ignores reports beyond the probes", ratio, []op{
			okOp(0, Closed), okOp(0, Closed), failOp(0, Closed), failOp(0, Open),
			allowOp(5*sec, true, HalfOpen, 0),
			okOp(5*sec, HalfOpen), failOp(5*sec, HalfOpen), // one probe, one stray report
			allowOp(5*sec, true, HalfOpen, 0), okOp(5*sec, Closed),
		}},
		{"no trip condition never opens", BreakerConfig{}, []op{
			failOp(0, Closed), failOp(0, Closed), failOp(0, Closed), failOp(0, Closed),
			allowOp(0, true, Closed, 0),
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := NewBreakers(epoch, 0)
			name := []byte("svc")
			for i, o := range tc.ops {
				if o.report != 0 {
					if st := b.Report(name, tc.cfg, o.report > 0, time.Millisecond, at(o.at)); st != o.state {
						t.Fatalf("op %d: Report(%v) at %v = %v, want %v", i, o.report > 0, o.at, st, o.state)
					}
					continue
				}
				ok, st, retry := b.Allow(name, tc.cfg, at(o.at))
				if ok != o.allowed || st != o.state || retry != o.retry {
					t.Fatalf("op %d: Allow at %v = %v, %v, %v; want %v, %v, %v", i, o.at, ok, st, retry, o.allowed, o.state, o.retry)
				}
			}
		})
	}
}

// TestHalfOpenProbesConcurrent checks that 16 goroutines asking at once get
// exactly HalfOpenRequests admissions, for several probe counts.
func TestHalfOpenProbesConcurrent(t *testing.T) {
	for _, probes := range []int{1, 3, 7, 16, 40} {
		for _, closeIt := range []bool{true, false} {
			cfg := BreakerConfig{ConsecutiveFailures: 1, OpenFor: time.Second, HalfOpenRequests: probes}
			b := NewBreakers(epoch, 0)
			name := []byte("svc")
			if st := b.Report(name, cfg, false, 0, epoch); st != Open {
				t.Fatalf("state %v, want open", st)
			}
			var admitted atomic.Int64
			var wg sync.WaitGroup
			for range clients {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for range 10 {
						if ok, _, _ := b.Allow(name, cfg, at(time.Second)); ok {
							admitted.Add(1)
						}
					}
				}()
			}
			wg.Wait()
			if got := admitted.Load(); got != int64(min(probes, clients*10)) {
				t.Fatalf("probes %d: %d admitted", probes, got)
			}
			want, last := Closed, State(0)
			for i := range probes {
				ok := closeIt || i < probes-1
				last = b.Report(name, cfg, ok, 0, at(time.Second))
			}
			if !closeIt {
				want = Open
			}
			if last != want {
				t.Fatalf("probes %d, close %v: state %v after the probes, want %v", probes, closeIt, last, want)
			}
		}
	}
}

func TestBreakerList(t *testing.T) {
	sec := time.Second
	b := NewBreakers(epoch, 0)
	cfg := BreakerConfig{Window: 10 * sec, ConsecutiveFailures: 2, OpenFor: 5 * sec}
	b.Report([]byte("zeta"), cfg, true, 10*time.Millisecond, at(0))
	b.Report([]byte("zeta"), cfg, false, 30*time.Millisecond, at(sec))
	b.Report([]byte("alpha"), cfg, false, 0, at(0))
	b.Report([]byte("alpha"), cfg, false, 0, at(sec)) // opens at 1s
	b.Report([]byte("mid"), cfg, false, 0, at(0))
	b.Report([]byte("mid"), cfg, false, 0, at(0)) // opens at 0
	b.Allow([]byte("mid"), cfg, at(5*sec))        // half-open, one probe
	got := b.List(at(2 * sec))
	want := []BreakerInfo{
		{Name: "alpha", State: Open, OpenedAt: at(sec), RetryAfter: 4 * sec, Opened: 1, Config: cfg},
		{Name: "mid", State: HalfOpen, OpenedAt: at(0), ProbesAdmitted: 1, Opened: 1, Config: cfg},
		{Name: "zeta", State: Closed, Requests: 2, Failures: 1, ConsecutiveFailures: 1, MeanLatency: 20 * time.Millisecond, Config: cfg},
	}
	if len(got) != len(want) {
		t.Fatalf("List = %+v", got)
	}
	for i := range want {
		if !got[i].OpenedAt.Equal(want[i].OpenedAt) {
			t.Fatalf("%s: OpenedAt %v, want %v", want[i].Name, got[i].OpenedAt, want[i].OpenedAt)
		}
		got[i].OpenedAt = want[i].OpenedAt
		if got[i] != want[i] {
			t.Fatalf("List[%d] = %+v\nwant %+v", i, got[i], want[i])
		}
	}
	// Past open_for, an open breaker shows as what the next Allow finds.
	if l := b.List(at(7 * sec)); l[0].State != HalfOpen || l[0].RetryAfter != 0 {
		t.Fatalf("alpha at 7s: %+v", l[0])
	}
	if b.Opened() != 2 || b.Len() != 3 {
		t.Fatalf("Opened %d, Len %d", b.Opened(), b.Len())
	}
	js, err := json.Marshal(got[0].State)
	if err != nil || string(js) != `"open"` {
		t.Fatalf("JSON state %s, %v", js, err)
	}
}

func TestBreakerSweep(t *testing.T) {
	sec := time.Second
	cfg := BreakerConfig{Window: 10 * sec, ConsecutiveFailures: 2, OpenFor: 5 * sec}
	b := NewBreakers(epoch, 2)
	b.Report([]byte("ok"), cfg, true, 0, at(0))    // idle once out of the window
	b.Report([]byte("fail"), cfg, false, 0, at(0)) // one failure in a row: kept
	if ok, st, _ := b.Allow([]byte("third"), cfg, at(0)); !ok || st != Closed || b.Len() != 2 {
		t.Fatalf("over the maximum: %v %v, Len %d; want fail-open and no new breaker", ok, st, b.Len())
	}
	if n := b.Sweep(at(9 * sec)); n != 0 {
		t.Fatalf("Sweep at 9s removed %d", n)
	}
	if n := b.Sweep(at(10 * sec)); n != 1 || b.Len() != 1 {
		t.Fatalf("Sweep at 10s removed %d, Len %d", n, b.Len())
	}
	if st := b.Report([]byte("fail"), cfg, false, 0, at(11*sec)); st != Open {
		t.Fatalf("the kept breaker lost its run of failures: %v", st)
	}
}

func TestBreakerConfigDefaults(t *testing.T) {
	tests := []struct {
		cfg  BreakerConfig
		want norm
	}{
		{BreakerConfig{}, norm{window: int64(DefaultWindow), openFor: int64(DefaultOpenFor), minReq: 1, probe: 1}},
		{BreakerConfig{FailureRatio: 2, ConsecutiveFailures: -1, MinRequests: -3}, norm{window: int64(DefaultWindow), openFor: int64(DefaultOpenFor), minReq: 1, probe: 1, ppm: 1_000_000}},
		{BreakerConfig{FailureRatio: 1e-9}, norm{window: int64(DefaultWindow), openFor: int64(DefaultOpenFor), minReq: 1, probe: 1, ppm: 1}},
		{BreakerConfig{Window: 3, OpenFor: 4, MinRequests: 5, ConsecutiveFailures: 6, HalfOpenRequests: 7, FailureRatio: 0.25}, norm{3, 4, 5, 6, 7, 250_000}},
	}
	for _, tc := range tests {
		if got := tc.cfg.norm(); got != tc.want {
			t.Errorf("%+v.norm() = %+v, want %+v", tc.cfg, got, tc.want)
		}
	}
}

// TestNoAllocations checks the hot paths on existing entries.
func TestNoAllocations(t *testing.T) {
	l := NewLimiters(epoch, 0)
	b := NewBreakers(epoch, 0)
	name := []byte("name")
	lim := Limits{Rate: 1000, Period: time.Second, Burst: 10}
	sw := Limits{Rate: 1000, Period: time.Second, Algorithm: SlidingWindow}
	cfg := BreakerConfig{ConsecutiveFailures: 1000, FailureRatio: 0.9, MinRequests: 1 << 30}
	now := epoch
	tests := []struct {
		name string
		f    func()
	}{
		{"Take token bucket", func() { _, _ = l.Take(name, lim, 1, now) }},
		{"Take sliding window", func() { _, _ = l.Take([]byte("sw"), sw, 1, now) }},
		{"Allow", func() { b.Allow(name, cfg, now) }},
		{"Report", func() { b.Report(name, cfg, false, time.Millisecond, now) }},
	}
	for _, tc := range tests {
		tc.f() // create the entry
		if n := testing.AllocsPerRun(100, func() { now = now.Add(time.Millisecond); tc.f() }); n != 0 {
			t.Errorf("%s: %v allocations per call", tc.name, n)
		}
	}
}
