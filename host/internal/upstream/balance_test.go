package upstream

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
)

func TestRoundRobinRotates(t *testing.T) {
	a, b, c := newBackend(t, "a", nil), newBackend(t, "b", nil), newBackend(t, "c", nil)
	u := mustNew(t, Config{Targets: urls(a, b, c)})
	var got []string
	for range 9 {
		_, body := roundTrip(t, u, incoming("GET", "/", ""))
		got = append(got, body)
	}
	if s := strings.Join(got, ""); s != "abcabcabc" {
		t.Fatalf("order %q, want abcabcabc", s)
	}
}

func TestLeastRequestsPrefersIdleTarget(t *testing.T) {
	release := make(chan struct{})
	entered := make(chan string, 1)
	slow := func(name string) func(http.ResponseWriter, *http.Request) bool {
		return func(w http.ResponseWriter, r *http.Request) bool {
			if r.Header.Get("X-Slow") == "" {
				return false
			}
			entered <- name
			<-release
			return false
		}
	}
	a, b := newBackend(t, "a", slow("a")), newBackend(t, "b", slow("b"))
	u := mustNew(t, Config{Targets: urls(a, b), Balance: LeastRequests})
	var once sync.Once
	unblock := func() { once.Do(func() { close(release) }) }
	t.Cleanup(unblock) // runs before the servers close, even on failure

	done := make(chan error, 1)
	go func() {
		r := incoming("GET", "/", "")
		r.Header.Set("X-Slow", "1")
		resp, err := u.Do(context.Background(), r)
		if err == nil {
			resp.Body.Close()
		}
		done <- err
	}()
	busy := <-entered
	for range 6 {
		if _, body := roundTrip(t, u, incoming("GET", "/", "")); body == busy {
			t.Fatalf("a request went to %s, which has one in flight", busy)
		}
	}
	unblock()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if a.hits.Load()+b.hits.Load() != 7 {
		t.Fatalf("hits a=%d b=%d, want 7 in all", a.hits.Load(), b.hits.Load())
	}
}

func TestRandomReachesEveryTarget(t *testing.T) {
	bs := []*backend{newBackend(t, "a", nil), newBackend(t, "b", nil), newBackend(t, "c", nil)}
	u := mustNew(t, Config{Targets: urls(bs...), Balance: Random})
	for range 300 {
		roundTrip(t, u, incoming("GET", "/", ""))
	}
	for _, b := range bs {
		// Each gets 100 on average; 0 has a probability of about 1e-53.
		if n := b.hits.Load(); n == 0 {
			t.Errorf("target %s got no request in 300", b.name)
		}
	}
}

func TestInFlightUntilBodyClosed(t *testing.T) {
	a := newBackend(t, "a", nil)
	u := mustNew(t, Config{Targets: urls(a), Balance: LeastRequests})
	resp, err := u.Do(context.Background(), incoming("GET", "/", ""))
	if err != nil {
		t.Fatal(err)
	}
	if n := u.Stats()[0].InFlight; n != 1 {
		t.Fatalf("in flight before Close = %d, want 1", n)
	}
	resp.Body.Close()
	resp.Body.Close() // twice is harmless
	if n := u.Stats()[0].InFlight; n != 0 {
		t.Fatalf("in flight after Close = %d, want 0", n)
	}
}
