package upstream

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"
)

func TestFailoverSkipsDeadTargetDuringCooldown(t *testing.T) {
	clock := newClock()
	dead, live := newBackend(t, "dead", nil), newBackend(t, "live", nil)
	dead.broken.Store(true) // accepts, reads, then drops the connection
	u := mustNew(t, Config{Targets: urls(dead, live), Cooldown: time.Minute, Now: clock.Now})

	for i := range 10 {
		if _, body := roundTrip(t, u, incoming("GET", "/", "")); body != "live" {
			t.Fatalf("request %d answered by %q", i, body)
		}
	}
	if n := dead.hits.Load(); n == 0 {
		t.Fatal("the dead target was never tried")
	}
	tried := dead.hits.Load()
	st := u.Stats()
	if st[0].Healthy || !st[1].Healthy || st[0].Failures != 1 || st[1].Requests != 10 {
		t.Fatalf("stats %+v", st)
	}

	clock.Advance(59 * time.Second)
	for range 10 {
		roundTrip(t, u, incoming("GET", "/", ""))
	}
	if n := dead.hits.Load(); n != tried {
		t.Fatalf("dead target hit %d more times during its cooldown", n-tried)
	}

	dead.broken.Store(false) // it recovers
	clock.Advance(2 * time.Second)
	got := map[string]int{}
	for range 4 {
		_, body := roundTrip(t, u, incoming("GET", "/", ""))
		got[body]++
	}
	if got["dead"] != 2 || got["live"] != 2 {
		t.Fatalf("after the cooldown: %v, want 2 each", got)
	}
	if st := u.Stats(); !st[0].Healthy {
		t.Fatalf("recovered target still unhealthy: %+v", st[0])
	}
}

func TestFailoverFromRefusedTarget(t *testing.T) {
	live := newBackend(t, "live", nil)
	u := mustNew(t, Config{Targets: []string{refusedURL(t), live.URL()}, Now: newClock().Now})
	for range 5 {
		if _, body := roundTrip(t, u, incoming("GET", "/", "")); body != "live" {
			t.Fatalf("answered by %q", body)
		}
	}
	if st := u.Stats(); st[0].Requests != 1 || st[0].Healthy || live.hits.Load() != 5 {
		t.Fatalf("refused target tried %d times, live hits %d; want 1 and 5", st[0].Requests, live.hits.Load())
	}
}

func TestFailureThreshold(t *testing.T) {
	clock := newClock()
	u := mustNew(t, Config{Targets: []string{refusedURL(t)}, FailureThreshold: 3, Now: clock.Now})
	for i := range 3 {
		if !u.Stats()[0].Healthy {
			t.Fatalf("unhealthy after %d failures, threshold 3", i)
		}
		if _, err := u.Do(context.Background(), incoming("GET", "/", "")); !errors.Is(err, ErrUnavailable) {
			t.Fatalf("err %v", err)
		}
	}
	if u.Stats()[0].Healthy {
		t.Fatal("healthy after 3 failures")
	}
}

func TestAllTargetsDown(t *testing.T) {
	clock := newClock()
	u := mustNew(t, Config{Targets: []string{refusedURL(t), refusedURL(t)}, Now: clock.Now})
	for i := range 3 { // the later ones find both cooling down and try anyway
		_, err := u.Do(context.Background(), incoming("GET", "/", ""))
		if !errors.Is(err, ErrUnavailable) || errors.Is(err, ErrTimeout) {
			t.Fatalf("request %d: err %v, want ErrUnavailable", i, err)
		}
	}
	st := u.Stats()
	if st[0].Requests+st[1].Requests != 6 || st[0].Healthy || st[1].Healthy {
		t.Fatalf("stats %+v, want 6 attempts in all (each request tries both)", st)
	}
}

func TestAllDownTriesSoonestRecovery(t *testing.T) {
	clock := newClock()
	a, b := newBackend(t, "a", nil), newBackend(t, "b", nil)
	a.broken.Store(true)
	b.broken.Store(true)
	u := mustNew(t, Config{Targets: urls(a, b), Retries: NoRetries, Now: clock.Now})
	// a fails at t0 and b at t0+1s; at t0+2s both are cooling down, so a
	// (recovering first) is tried and fails again: now b recovers first.
	for range 3 {
		if _, err := u.Do(context.Background(), incoming("GET", "/", "")); err == nil {
			t.Fatal("a broken target answered")
		}
		clock.Advance(time.Second)
	}
	if st := u.Stats(); st[0].Requests != 2 || st[1].Requests != 1 {
		t.Fatalf("attempts a=%d b=%d, want 2 and 1", st[0].Requests, st[1].Requests)
	}
	b.broken.Store(false)
	if _, body := roundTrip(t, u, incoming("GET", "/", "")); body != "b" {
		t.Fatalf("answered by %q, want b (its cooldown ends first)", body)
	}
}

func TestCanceledRequestIsNotATargetFailure(t *testing.T) {
	entered := make(chan struct{})
	a := newBackend(t, "a", nil)
	slow := newBackend(t, "slow", func(w http.ResponseWriter, r *http.Request) bool {
		close(entered)
		<-r.Context().Done()
		return true
	})
	_ = a
	u := mustNew(t, Config{Targets: urls(slow, a), Now: newClock().Now})
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-entered; cancel() }()
	_, err := u.Do(ctx, incoming("GET", "/", ""))
	if !errors.Is(err, context.Canceled) || errors.Is(err, ErrUnavailable) || errors.Is(err, ErrTimeout) {
		t.Fatalf("err %v, want context.Canceled only", err)
	}
	if st := u.Stats(); !st[0].Healthy || st[0].Failures != 0 || a.hits.Load() != 0 {
		t.Fatalf("stats %+v, other hits %d: a canceled request must not count or retry", st, a.hits.Load())
	}
}
