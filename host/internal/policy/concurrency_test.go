package policy

import (
	"encoding/binary"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const clients = 16

// drainSteps advances a fake clock in steps; at each step 16 goroutines
// take one token at a time until refused (at a fixed instant nothing
// refills, so every goroutine ends refused). It returns how many were
// accepted over [0, steps*dt].
func drainSteps(t *testing.T, l *Limiters, lim Limits, steps int, dt time.Duration) int64 {
	t.Helper()
	var accepted atomic.Int64
	for i := 0; i <= steps; i++ {
		now := at(time.Duration(i) * dt)
		var wg sync.WaitGroup
		for range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					d, err := l.Take([]byte("shared"), lim, 1, now)
					if err != nil {
						t.Error(err)
						return
					}
					if !d.Allowed {
						return
					}
					accepted.Add(1)
				}
			}()
		}
		wg.Wait()
	}
	return accepted.Load()
}

func TestTokenBucketExactConcurrent(t *testing.T) {
	tests := []struct {
		name  string
		lim   Limits
		steps int
		dt    time.Duration
	}{
		{"1000/s burst 50 over 10s", Limits{Rate: 1000, Period: time.Second, Burst: 50}, 1000, 10 * time.Millisecond},
		{"7 per 3s burst 5 over 60s", Limits{Rate: 7, Period: 3 * time.Second, Burst: 5}, 600, 100 * time.Millisecond},
		{"uneven steps (burst > tokens per step + 1)", Limits{Rate: 333, Period: time.Second, Burst: 6}, 700, 13 * time.Millisecond},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			span := time.Duration(tc.steps) * tc.dt
			want := tc.lim.Burst + tc.lim.Rate*int64(span)/int64(tc.lim.Period)
			if got := drainSteps(t, NewLimiters(epoch, 0), tc.lim, tc.steps, tc.dt); got != want {
				t.Fatalf("accepted %d over %v, want burst + rate × period = %d exactly", got, span, want)
			}
		})
	}
}

// TestTokenBucketHammer lets 16 goroutines take as fast as they can while
// another goroutine moves the clock forward whenever a take at the current
// time is refused (so no token is wasted by a full bucket). Takers read the
// clock on their own, so their times arrive out of order.
func TestTokenBucketHammer(t *testing.T) {
	lim := Limits{Rate: 500, Period: time.Second, Burst: 20}
	const dt, end = 7 * time.Millisecond, 700 * 7 * time.Millisecond
	l := NewLimiters(epoch, 0)
	var clock atomic.Int64
	refused := make(chan int64, clients)
	done := make(chan struct{})
	var accepted atomic.Int64
	var wg sync.WaitGroup
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-done:
					return
				default:
				}
				now := clock.Load()
				d, err := l.Take([]byte("shared"), lim, 1, at(time.Duration(now)))
				switch {
				case err != nil:
					t.Error(err)
					return
				case d.Allowed:
					accepted.Add(1)
				default:
					select {
					case refused <- now:
					default:
					}
				}
			}
		}()
	}
	for now := range refused {
		if now != clock.Load() {
			continue // refused at a stale time: the bucket may not be empty now
		}
		if now == int64(end) {
			break
		}
		clock.Store(now + int64(dt))
	}
	close(done)
	wg.Wait()
	want := lim.Burst + lim.Rate*int64(end)/int64(lim.Period)
	if got := accepted.Load(); got != want {
		t.Fatalf("accepted %d over %v, want %d exactly", got, end, want)
	}
}

func TestSlidingWindowAccuracyConcurrent(t *testing.T) {
	tests := []struct {
		name    string
		lim     Limits
		periods int
		perStep int // steps per period
	}{
		{"1000/s over 20s", Limits{Rate: 1000, Period: time.Second, Algorithm: SlidingWindow}, 20, 200},
		{"90 per 10s over 300s", Limits{Rate: 90, Period: 10 * time.Second, Algorithm: SlidingWindow}, 30, 150},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dt := tc.lim.Period / time.Duration(tc.perStep)
			got := drainSteps(t, NewLimiters(epoch, 0), tc.lim, tc.periods*tc.perStep, dt)
			want := tc.lim.Rate * int64(tc.periods)
			t.Logf("accepted %d, rate × periods %d (%+.3f%%)", got, want, 100*float64(got-want)/float64(want))
			if diff := got - want; diff*100 > want || -diff*100 > want {
				t.Fatalf("accepted %d over %d periods, want rate × periods = %d within 1%%", got, tc.periods, want)
			}
			// Never more than rate per period plus the one first window.
			if max := tc.lim.Rate * int64(tc.periods+1); got > max {
				t.Fatalf("accepted %d, above %d", got, max)
			}
		})
	}
}

// TestSweepRace sweeps continuously while 16 goroutines take from many
// names. Each round is an hour after the last, so every bucket is idle and
// evictable when the round starts: a bucket evicted between its lookup and
// its use must not lose or invent tokens, so each name admits exactly its
// burst per round.
func TestSweepRace(t *testing.T) {
	lim := Limits{Rate: 1, Period: time.Millisecond, Burst: 1}
	const names, rounds = 500, 60
	l := NewLimiters(epoch, 0)
	var now atomic.Int64
	stop := make(chan struct{})
	var sweeps sync.WaitGroup
	sweeps.Add(1)
	go func() {
		defer sweeps.Done()
		for {
			select {
			case <-stop:
				return
			default:
				l.Sweep(at(time.Duration(now.Load())))
			}
		}
	}()
	defer func() { close(stop); sweeps.Wait() }()
	for r := range rounds {
		now.Store(int64(r) * int64(time.Hour))
		var accepted [names]atomic.Int64
		var wg sync.WaitGroup
		for range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var name [8]byte
				for i := range names {
					binary.LittleEndian.PutUint64(name[:], uint64(i))
					d, err := l.Take(name[:], lim, 1, at(time.Duration(now.Load())))
					if err != nil {
						t.Error(err)
						return
					}
					if d.Allowed {
						accepted[i].Add(1)
					}
				}
			}()
		}
		wg.Wait()
		for i := range accepted {
			if got := accepted[i].Load(); got != lim.Burst {
				t.Fatalf("round %d, name %d: accepted %d at one instant, want exactly the burst %d", r, i, got, lim.Burst)
			}
		}
		if l.Len() != names {
			t.Fatalf("round %d: Len = %d, want %d (emptied buckets are not idle)", r, l.Len(), names)
		}
	}
}
