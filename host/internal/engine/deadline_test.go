package engine

import (
	"context"
	"errors"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/hostd/hostd/internal/testwasm"
)

// callLoop runs on_request of the endless loop guest with ctx.
func callLoop(t *testing.T, p *Pool, ctx context.Context) (time.Duration, error) {
	t.Helper()
	ex := NewExchange(httptest.NewRequest("GET", "/", nil), nil, "id", 1<<20)
	defer ex.Release()
	inst, err := p.Get(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer inst.Release()
	start := time.Now()
	_, err = inst.OnRequest(ctx, ex)
	return time.Since(start), err
}

// TestClientGoneEndsTheCall: a call whose request context is canceled
// (the client went away) ends with ErrCanceled long before its deadline,
// and the instance is discarded.
func TestClientGoneEndsTheCall(t *testing.T) {
	e := newEngine(t, Config{CallTimeout: 10 * time.Second})
	p := newPool(t, e, testwasm.Loop, Binding{Plugin: "loop"})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	took, err := callLoop(t, p, ctx)
	if !errors.Is(err, ErrCanceled) {
		t.Fatalf("error %v, want ErrCanceled", err)
	}
	if took > 100*time.Millisecond+margin {
		t.Fatalf("the call ended %v after it started, the client left after 100ms", took)
	}
	if live, _ := p.Stats(); live != 0 {
		t.Fatalf("%d live instances after the canceled call, want 0 (discarded)", live)
	}
}

// TestDeadlineAndClientGoneCountAsCanceled: a call past its deadline
// whose client has gone too is ErrCanceled (nobody gets a 504).
func TestDeadlineAndClientGoneCountAsCanceled(t *testing.T) {
	e := newEngine(t, Config{CallTimeout: 100 * time.Millisecond})
	p := newPool(t, e, testwasm.Loop, Binding{Plugin: "loop"})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := callLoop(t, p, ctx); !errors.Is(err, ErrCanceled) {
		t.Fatalf("error %v, want ErrCanceled", err)
	}
	took, err := callLoop(t, p, context.Background())
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("error %v, want ErrTimeout", err)
	}
	if took > 100*time.Millisecond+margin {
		t.Fatalf("the call ended %v after it started, deadline 100ms", took)
	}
}

// TestWaitForLongCallCPUIsBounded: with one long-call CPU, a second long
// call waits for the token held by the first; the wait ends at its own
// deadline (ErrTimeout) or when its client goes (ErrCanceled), not when
// the first call gives the token back.
func TestWaitForLongCallCPUIsBounded(t *testing.T) {
	e := newEngine(t, Config{CallTimeout: 3 * time.Second, LongCallAfter: 5 * time.Millisecond, LongCallCPUs: 1})
	p := newPool(t, e, testwasm.Loop, Binding{Plugin: "loop"})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // takes the token for its whole 3 s
		defer wg.Done()
		_, _ = callLoop(t, p, context.Background())
	}()
	time.Sleep(100 * time.Millisecond)
	short := newPool(t, e, testwasm.Loop, Binding{Plugin: "loop2"})
	short.cfg.CallTimeout = 300 * time.Millisecond
	took, err := callLoop(t, short, context.Background())
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("error %v, want ErrTimeout", err)
	}
	if took > 300*time.Millisecond+margin {
		t.Fatalf("the waiting call ended after %v, deadline 300ms", took)
	}
	short.cfg.CallTimeout = 10 * time.Second
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(200*time.Millisecond, cancel)
	took, err = callLoop(t, short, ctx)
	if !errors.Is(err, ErrCanceled) {
		t.Fatalf("error %v, want ErrCanceled", err)
	}
	if took > 200*time.Millisecond+margin {
		t.Fatalf("the waiting call ended after %v, the client left after 200ms", took)
	}
	wg.Wait()
}
