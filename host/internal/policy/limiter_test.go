package policy

import (
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"
)

var epoch = time.Unix(1_700_000_000, 0)

func at(d time.Duration) time.Time { return epoch.Add(d) }

type takeStep struct {
	at       time.Duration
	cost     int64
	want     Decision
	wantErr  error
	describe string
}

func runTakes(t *testing.T, lim Limits, steps []takeStep) {
	t.Helper()
	l := NewLimiters(epoch, 0)
	for i, s := range steps {
		d, err := l.Take([]byte("b"), lim, s.cost, at(s.at))
		if !errors.Is(err, s.wantErr) || d != s.want {
			t.Fatalf("step %d (%s): Take(cost %d at %v) = %+v, %v; want %+v, %v",
				i, s.describe, s.cost, s.at, d, err, s.want, s.wantErr)
		}
	}
}

func TestTokenBucket(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		name  string
		lim   Limits
		steps []takeStep
	}{
		{
			name: "burst then refill",
			lim:  Limits{Rate: 10, Period: time.Second, Burst: 5},
			steps: []takeStep{
				{0, 1, Decision{true, 5, 4, 100 * ms, 0}, nil, "first take from a full bucket"},
				{0, 4, Decision{true, 5, 0, 500 * ms, 0}, nil, "cost > 1 empties it"},
				{0, 1, Decision{false, 5, 0, 500 * ms, 100 * ms}, nil, "empty: wait one interval"},
				{50 * ms, 1, Decision{false, 5, 0, 450 * ms, 50 * ms}, nil, "half an interval later"},
				{100 * ms, 1, Decision{true, 5, 0, 500 * ms, 0}, nil, "one token refilled"},
				{350 * ms, 3, Decision{false, 5, 2, 250 * ms, 50 * ms}, nil, "two of three tokens there"},
				{350 * ms, 0, Decision{true, 5, 2, 250 * ms, 0}, nil, "cost 0 peeks"},
				{400 * ms, 3, Decision{true, 5, 0, 500 * ms, 0}, nil, "three tokens there"},
				{10 * time.Second, 6, Decision{false, 5, 5, 0, 0}, ErrCostExceedsLimit, "cost above burst"},
				{10 * time.Second, 5, Decision{true, 5, 0, 500 * ms, 0}, nil, "refilled to burst, not beyond"},
			},
		},
		{
			name: "interval not a whole nanosecond",
			lim:  Limits{Rate: 3, Period: time.Second, Burst: 3},
			steps: []takeStep{
				{0, 3, Decision{true, 3, 0, time.Second, 0}, nil, "3 × 333333333⅓ns is exactly 1s"},
				{333333333, 1, Decision{false, 3, 0, 666666667, 1}, nil, "⅓ns short"},
				{333333334, 1, Decision{true, 3, 0, time.Second, 0}, nil, "refilled; full at 1333333333⅓ns"},
				{time.Second, 1, Decision{true, 3, 1, 666666667, 0}, nil, "no drift: 3 + 3 - 5 = 1 left"},
			},
		},
		{
			name: "burst 0 means rate",
			lim:  Limits{Rate: 2, Period: time.Minute},
			steps: []takeStep{
				{0, 2, Decision{true, 2, 0, time.Minute, 0}, nil, "capacity 2"},
				{0, 1, Decision{false, 2, 0, time.Minute, 30 * time.Second}, nil, "30s per token"},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { runTakes(t, tc.lim, tc.steps) })
	}
}

func TestSlidingWindow(t *testing.T) {
	ms := time.Millisecond
	lim := Limits{Rate: 10, Period: time.Second, Algorithm: SlidingWindow, Burst: 99}
	runTakes(t, lim, []takeStep{
		{0, 10, Decision{true, 10, 0, time.Second, 0}, nil, "whole rate at once; burst ignored"},
		{500 * ms, 1, Decision{false, 10, 0, 500 * ms, 500*ms + 1}, nil, "full window: wait into the next"},
		{1000 * ms, 1, Decision{false, 10, 0, time.Second, 1}, nil, "previous window weighs 10 until 1ns later"},
		{1090 * ms, 1, Decision{true, 10, 0, 910 * ms, 0}, nil, "floor(10×0.91) + 1 = 10"},
		{1100 * ms, 1, Decision{false, 10, 0, 900 * ms, 1}, nil, "floor(10×0.9) + 1 + 1 = 11"},
		{1500 * ms, 4, Decision{true, 10, 0, 500 * ms, 0}, nil, "floor(10×0.5) + 1 + 4 = 10"},
		{1500 * ms, 2, Decision{false, 10, 0, 500 * ms, 100*ms + 1}, nil, "fits at 1.6s+1ns: floor(3.99…) + 5 + 2 = 10"},
		{1500 * ms, 0, Decision{true, 10, 0, 500 * ms, 0}, nil, "cost 0 peeks"},
		{3200 * ms, 10, Decision{true, 10, 0, 800 * ms, 0}, nil, "previous window empty"},
		{3200 * ms, 11, Decision{false, 10, 0, 800 * ms, 0}, ErrCostExceedsLimit, "cost above rate"},
		{3100 * ms, 1, Decision{false, 10, 0, 800 * ms, 800*ms + 1}, nil, "an earlier time counts as the latest"},
	})
}

func TestTakeInvalid(t *testing.T) {
	tests := []struct {
		name string
		lim  Limits
		cost int64
	}{
		{"zero rate", Limits{Rate: 0, Period: time.Second}, 1},
		{"negative period", Limits{Rate: 1, Period: -1}, 1},
		{"negative burst", Limits{Rate: 1, Period: time.Second, Burst: -1}, 1},
		{"negative cost", Limits{Rate: 1, Period: time.Second}, -1},
		{"unknown algorithm", Limits{Rate: 1, Period: time.Second, Algorithm: 2}, 1},
		{"fills in more than MaxFillTime", Limits{Rate: 1, Period: 24 * time.Hour, Burst: 1 << 20}, 1},
		{"period above MaxFillTime", Limits{Rate: 1, Period: MaxFillTime + 1, Algorithm: SlidingWindow}, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l := NewLimiters(epoch, 0)
			d, err := l.Take([]byte("x"), tc.lim, tc.cost, epoch)
			if !errors.Is(err, ErrInvalidLimits) || d.Allowed {
				t.Fatalf("Take = %+v, %v; want a denial with ErrInvalidLimits", d, err)
			}
			if l.Len() != 0 {
				t.Fatalf("Len = %d: an invalid call created a bucket", l.Len())
			}
		})
	}
	// Large but valid: 100000 per day with a burst of a million.
	l := NewLimiters(epoch, 0)
	lim := Limits{Rate: 100_000, Period: 24 * time.Hour, Burst: 1_000_000}
	if d, err := l.Take([]byte("x"), lim, 1, epoch); err != nil || d.Remaining != 999_999 {
		t.Fatalf("Take = %+v, %v", d, err)
	}
}

func TestReconfigure(t *testing.T) {
	sec := time.Second
	tests := []struct {
		name     string
		from, to Limits
		take     int64 // from a full bucket under from
		wantRem  int64 // under to, right after
	}{
		{"token bucket: burst doubled", Limits{Rate: 10, Period: sec, Burst: 10}, Limits{Rate: 10, Period: sec, Burst: 20}, 5, 10},
		{"token bucket: burst and rate", Limits{Rate: 10, Period: sec, Burst: 10}, Limits{Rate: 1, Period: sec, Burst: 4}, 3, 2},
		{"token bucket: emptied stays empty", Limits{Rate: 10, Period: sec, Burst: 10}, Limits{Rate: 7, Period: sec, Burst: 30}, 10, 0},
		{"token bucket: full stays full", Limits{Rate: 10, Period: sec, Burst: 10}, Limits{Rate: 7, Period: sec, Burst: 30}, 0, 30},
		{"sliding window: rate doubled", Limits{Rate: 10, Period: sec, Algorithm: SlidingWindow}, Limits{Rate: 20, Period: sec, Algorithm: SlidingWindow}, 5, 10},
		{"token to sliding", Limits{Rate: 10, Period: sec, Burst: 10}, Limits{Rate: 100, Period: sec, Algorithm: SlidingWindow}, 5, 50},
		{"sliding to token", Limits{Rate: 100, Period: sec, Algorithm: SlidingWindow}, Limits{Rate: 10, Period: sec, Burst: 8}, 75, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l := NewLimiters(epoch, 0)
			now := at(10 * sec)
			if d, err := l.Take([]byte("b"), tc.from, tc.take, now); err != nil || !d.Allowed {
				t.Fatalf("Take under from = %+v, %v", d, err)
			}
			d, err := l.Take([]byte("b"), tc.to, 0, now)
			if err != nil || d.Remaining != tc.wantRem {
				t.Fatalf("after reconfiguring: %+v, %v; want Remaining %d", d, err, tc.wantRem)
			}
		})
	}
}

func TestOutOfOrderTimes(t *testing.T) {
	l := NewLimiters(epoch, 0)
	lim := Limits{Rate: 1, Period: time.Second, Burst: 1}
	take := func(d time.Duration) bool {
		dec, err := l.Take([]byte("b"), lim, 1, at(d))
		if err != nil {
			t.Fatal(err)
		}
		return dec.Allowed
	}
	if !take(10*time.Second) || take(9*time.Second) || take(10500*time.Millisecond) || !take(11*time.Second) {
		t.Fatal("an earlier time refilled the bucket, or a later one did not")
	}
}

func TestSweep(t *testing.T) {
	sec := time.Second
	l := NewLimiters(epoch, 2)
	tb := Limits{Rate: 1, Period: sec, Burst: 2}
	sw := Limits{Rate: 5, Period: sec, Algorithm: SlidingWindow}
	mustTake := func(name string, lim Limits, now time.Duration) Decision {
		t.Helper()
		d, err := l.Take([]byte(name), lim, 1, at(now))
		if err != nil {
			t.Fatalf("Take(%s) at %v: %v", name, now, err)
		}
		return d
	}
	mustTake("tb", tb, 0)                     // full again at 1s, evictable from 2s
	mustTake("sw", sw, 1500*time.Millisecond) // window 1; evictable from window 3
	steps := []struct {
		now  time.Duration
		want int
		left int
	}{
		{1999 * time.Millisecond, 0, 2},
		{2 * sec, 1, 1},
		{2 * sec, 0, 1},
		{2999 * time.Millisecond, 0, 1}, // "sw": window 2 still weighs window 1
		{3 * sec, 1, 0},
	}
	for i, s := range steps {
		if got := l.Sweep(at(s.now)); got != s.want || l.Len() != s.left {
			t.Fatalf("step %d: Sweep(%v) = %d, Len %d; want %d, %d", i, s.now, got, l.Len(), s.want, s.left)
		}
	}
	if d := mustTake("third", tb, 3*sec); d.Remaining != 1 {
		t.Fatalf("new bucket after sweep: %+v", d)
	}
}

// TestOwnerQuota: one owner naming ever new buckets stays at its quota by
// evicting its own oldest buckets, another owner's buckets are untouched,
// and sweeping gives the quota back.
func TestOwnerQuota(t *testing.T) {
	l := NewLimiters(epoch, 10)
	l.SetOwnerQuota(4)
	lim := Limits{Rate: 1, Period: time.Second, Burst: 5}
	if _, err := l.TakeAs("other", []byte("o"), lim, 5, epoch); err != nil {
		t.Fatalf("another owner: %v", err)
	}
	for i := range 6 {
		if _, err := l.TakeAs("greedy", []byte{'g', byte(i)}, lim, 1, epoch); err != nil {
			t.Fatalf("greedy bucket %d: %v", i, err)
		}
	}
	if got := l.Owned("greedy"); got != 4 {
		t.Fatalf("greedy owns %d buckets, want 4", got)
	}
	// The other owner's drained bucket is still there and still drained.
	if d, err := l.TakeAs("other", []byte("o"), lim, 1, epoch); err != nil || d.Allowed {
		t.Fatalf("other's bucket after the flood: %+v %v, want denied", d, err)
	}
	// A bucket another owner created counts against it, not the user.
	if _, err := l.TakeAs("greedy", []byte("o"), lim, 0, epoch); err != nil {
		t.Fatalf("using another owner's bucket: %v", err)
	}
	if got := l.Owned("greedy"); got != 4 {
		t.Fatalf("greedy owns %d buckets, want 4", got)
	}
	// g0 and g1 were the oldest and were evicted; g2..g5 remain.
	if d, _ := l.TakeAs("greedy", []byte{'g', 5}, lim, 0, epoch); d.Remaining != 4 {
		t.Fatalf("g5 was evicted: %+v", d)
	}
	if got := l.EvictedBusy(); got != 2 {
		t.Fatalf("%d busy buckets evicted, want 2", got)
	}
	l.Sweep(epoch.Add(10 * time.Second))
	if got := l.Owned("greedy"); got != 0 {
		t.Fatalf("greedy owns %d buckets after the sweep, want 0", got)
	}
}

// TestEvictionPrefersIdle: at its quota an owner evicts an idle bucket
// among its oldest before a busy one, so no decision changes.
func TestEvictionPrefersIdle(t *testing.T) {
	l := NewLimiters(epoch, 0)
	l.SetOwnerQuota(3)
	lim := Limits{Rate: 1, Period: time.Second, Burst: 2}
	take := func(name string, cost int64, now time.Duration) Decision {
		t.Helper()
		d, err := l.TakeAs("a", []byte(name), lim, cost, at(now))
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	take("busy1", 2, 0)
	take("idle", 0, 0) // full: idle once a period passed
	take("busy2", 2, 0)
	// At 1.5s busy1 and busy2 are still in debt; "idle" is evictable.
	take("new", 1, 1500*time.Millisecond)
	if l.EvictedBusy() != 0 || l.Owned("a") != 3 {
		t.Fatalf("evicted busy %d, owned %d; want 0, 3", l.EvictedBusy(), l.Owned("a"))
	}
	if d := take("busy1", 2, 1500*time.Millisecond); d.Allowed {
		t.Fatalf("busy1 was forgotten: %+v", d)
	}
}

// TestTableBoundEvictsTheLargestOwner: with the table full, a new bucket of
// a small owner takes the place of one of the largest owner's.
func TestTableBoundEvictsTheLargestOwner(t *testing.T) {
	l := NewLimiters(epoch, 8)
	lim := Limits{Rate: 1, Period: time.Second, Burst: 2}
	for i := range 7 {
		if _, err := l.TakeAs("big", []byte{'b', byte(i)}, lim, 2, epoch); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := l.TakeAs("small", []byte("s0"), lim, 2, epoch); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		d, err := l.TakeAs("small", []byte{'s', byte('1' + i)}, lim, 1, epoch)
		if err != nil || !d.Allowed {
			t.Fatalf("small bucket %d: %+v %v", i, d, err)
		}
	}
	if l.Len() != 8 || l.Owned("small") != 4 || l.Owned("big") != 4 {
		t.Fatalf("len %d, small %d, big %d; want 8, 4, 4", l.Len(), l.Owned("small"), l.Owned("big"))
	}
	if d, _ := l.TakeAs("small", []byte("s0"), lim, 1, epoch); d.Allowed {
		t.Fatal("small's own drained bucket was evicted")
	}
}

// TestEvictionUnderConcurrency: owners naming new buckets concurrently,
// past their quotas and the table's bound, with sweeps in between: the
// table never exceeds its bound (beyond the few creations in flight), the
// owners' counts add up to it, and no Take fails.
func TestEvictionUnderConcurrency(t *testing.T) {
	const max, quota, owners, names = 64, 24, 4, 3000
	l := NewLimiters(epoch, max)
	l.SetOwnerQuota(quota)
	lim := Limits{Rate: 1, Period: time.Second, Burst: 1}
	var wg sync.WaitGroup
	for o := range owners {
		wg.Add(1)
		go func() {
			defer wg.Done()
			owner := string(rune('a' + o))
			for i := range names {
				now := at(time.Duration(i) * time.Millisecond)
				if _, err := l.TakeAs(owner, []byte(owner+strconv.Itoa(i%500)), lim, 1, now); err != nil {
					t.Errorf("owner %s, name %d: %v", owner, i, err)
					return
				}
				if i%700 == 0 {
					l.Sweep(now)
				}
			}
		}()
	}
	wg.Wait()
	sum := 0
	for o := range owners {
		n := l.Owned(string(rune('a' + o)))
		if n > quota+owners {
			t.Errorf("owner %d holds %d buckets, over its quota %d", o, n, quota)
		}
		sum += n
	}
	if l.Len() > max+owners || sum != l.Len() {
		t.Fatalf("len %d (bound %d), owners hold %d", l.Len(), max, sum)
	}
}
