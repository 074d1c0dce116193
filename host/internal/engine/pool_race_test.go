package engine

import (
	"context"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/hostd/hostd/internal/testwasm"
)

// TestPoolConcurrentCheckout: 8 goroutines check instances out of a pool
// of at most 4 and return them, with instances recycled every 7 calls;
// run under -race by scripts/test.sh. Every call succeeds (waiters get an
// instance within the queue timeout), the pool never holds more than its
// maximum, and at the end every live instance is idle again.
func TestPoolConcurrentCheckout(t *testing.T) {
	e := newEngine(t, Config{MaxInstances: 4, MaxCallsPerInstance: 7, QueueTimeout: 30 * time.Second})
	p := newPool(t, e, testwasm.Hello, Binding{Plugin: "hello", Version: 1})
	var wg sync.WaitGroup
	var mu sync.Mutex
	inUse, peak := 0, 0
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 40 {
				inst, err := p.Get(context.Background())
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				inUse++
				peak = max(peak, inUse)
				mu.Unlock()
				ex := NewExchange(httptest.NewRequest("GET", "/", nil), nil, "id", 1<<20)
				_, err = inst.OnRequest(context.Background(), ex)
				mu.Lock()
				inUse--
				mu.Unlock()
				inst.Release()
				if err != nil || ex.Status != 200 {
					t.Errorf("call: %v, status %d", err, ex.Status)
					return
				}
			}
		}()
	}
	wg.Wait()
	if peak > 4 {
		t.Fatalf("%d instances checked out at once, max 4", peak)
	}
	if live, idle := p.Stats(); live > 4 || idle != live {
		t.Fatalf("after the load: live %d idle %d", live, idle)
	}
}
