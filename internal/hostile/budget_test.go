package hostile

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/hostd/hostd/internal/hostile/wabt"
)

// TestGlobalInstanceBudget: 24 routes bind one plugin with distinct
// configurations (24 pools; every pool keeps one instance from the route
// build, so more routes than the budget would test eviction instead);
// each request holds its instance 200 ms by spinning on a host call, with
// 3 clients per route (72 concurrent requests). With
// limits.max_total_instances = TestMaxTotalInstances and a 100 ms queue
// timeout, the live instances summed over all plugins (sampled from
// /metrics every 25 ms) must never exceed the budget, the excess must get
// 503 host_overloaded or plugin_busy, and /healthz and the admin API must
// keep answering.
func TestGlobalInstanceBudget(t *testing.T) {
	routes := pick(24, 28)
	h := Start(t, Options{Config: map[string]any{"limits": map[string]any{
		"max_total_instances": TestMaxTotalInstances, "queue_timeout": "100ms"}}})
	h.MustUpload("hold", wabt.Compile(t, HoldWAT(200)))
	var paths []string
	for i := 0; i < routes; i++ {
		p := fmt.Sprintf("/hold/%d", i)
		h.MustRoute(fmt.Sprintf("hold-%d", i), p, "hold", map[string]any{"route": i})
		paths = append(paths, p)
	}

	var mu sync.Mutex
	maxLive := 0.0
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		for {
			if m, err := h.Metrics(); err == nil {
				live, _ := m.Sum("hostd_plugin_instances", nil)
				mu.Lock()
				maxLive = max(maxLive, live)
				mu.Unlock()
			}
			select {
			case <-stop:
				return
			case <-time.After(25 * time.Millisecond):
			}
		}
	}()
	clients := make([]*http.Client, 3*routes)
	for i := range clients {
		clients[i] = NewClient()
	}
	w := h.WatchHealth(100 * time.Millisecond)
	s := h.SiegeFunc(len(clients), func(ctx context.Context, i int) Resp {
		ctx, cancel := context.WithTimeout(ctx, deadlineBound+time.Second)
		defer cancel()
		return DoCtx(ctx, clients[i], "GET", h.DataURL+paths[i%routes], nil, nil)
	})
	time.Sleep(pick(3*time.Second, 20*time.Second))
	res := s.Stop()
	close(stop)
	<-sampled
	healthz, api := w.Stop()
	t.Logf("%d routes × 3 clients, budget %d: %s; most live instances sampled %.0f", routes, TestMaxTotalInstances, summarize(res), maxLive)
	if maxLive > TestMaxTotalInstances {
		t.Errorf("global instance budget: want at most %d live instances, sampled %.0f", TestMaxTotalInstances, maxLive)
	}
	busy := 0
	checkAnswers(t, "requests over the instance budget", res, "200 or 503 host_overloaded/plugin_busy", deadlineBound, func(r Resp) bool {
		if r.Is(503, "host_overloaded") || r.Is(503, "plugin_busy") {
			busy++
			return true
		}
		return r.Is(200, "")
	})
	if busy == 0 {
		t.Errorf("global instance budget: %d concurrent requests, each holding an instance 200 ms, against a budget of %d with a 100 ms queue: want some 503 host_overloaded/plugin_busy, got none", len(clients), TestMaxTotalInstances)
	}
	checkWatch(t, healthz, api)
	checkAlive(t, h, "after the instance budget attack")
	checkTermDuringAttack(t, h, paths[0], 4)
}
