package hostile

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/hostd/hostd/internal/hostile/wabt"
)

// TestTableGrowWithMaximum: table.grow by 2^31−1 on a table that declares
// a maximum of 10 must fail inside the guest (which then traps: 500
// plugin_failed) on 16 concurrent requests, and the host must survive
// with its RSS bounded.
func TestTableGrowWithMaximum(t *testing.T) {
	h := setup(t, nil)
	h.MustUpload("grow", TableGrow(10, 1<<31-1))
	h.MustRoute("grow", "/grow", "grow", nil)
	base := h.Mem()
	s := h.Siege("/grow", 16, deadlineBound+time.Second)
	w := h.WatchHealth(100 * time.Millisecond)
	time.Sleep(pick(2*time.Second, 10*time.Second))
	healthz, api := w.Stop()
	res := s.Stop()
	t.Logf("table.grow on 16 connections: %s; memory before %s, after %s", summarize(res), base, h.Mem())
	checkAnswers(t, "table.grow past the maximum", res, "500 plugin_failed", deadlineBound, isFailed)
	checkWatch(t, healthz, api)
	checkAlive(t, h, "after the table.grow attack")
	checkRSS(t, h, base, AssumedMaxTotalMemory, "table.grow")
}

// memBindings binds n routes /NAME/0… to plugin name, each with its own
// configuration (a binding, and a pool, of its own).
func memBindings(t *testing.T, h *Hostd, name string, n int) []string {
	t.Helper()
	var paths []string
	for i := 0; i < n; i++ {
		p := fmt.Sprintf("/%s/%d", name, i)
		h.MustRoute(fmt.Sprintf("%s-%d", name, i), p, name, map[string]any{"binding": i})
		paths = append(paths, p)
	}
	return paths
}

// multiSiege attacks every path with conns connections each.
func multiSiege(h *Hostd, paths []string, conns int, reqTimeout time.Duration) *Siege {
	clients := make([]*http.Client, len(paths)*conns)
	for i := range clients {
		clients[i] = NewClient()
	}
	return h.SiegeFunc(len(clients), func(ctx context.Context, i int) Resp {
		ctx, cancel := context.WithTimeout(ctx, reqTimeout)
		defer cancel()
		return DoCtx(ctx, clients[i], "GET", h.DataURL+paths[i%len(paths)], nil, nil)
	})
}

// TestMemoryGrowAndFill: memory.grow loops and memory.fill loops on several
// bindings at once (each instance grows to the 32 MiB limit page by page,
// writes it, and traps). Answers must be 500 plugin_failed, 503
// (host_overloaded, plugin_busy) or — when contention makes a loop outlive
// its deadline — 504 plugin_timeout, all within the deadline + Margin; the
// RSS must stay under baseline + the assumed global memory budget +
// RSSSlack, and the healthy route must keep its p99.
func TestMemoryGrowAndFill(t *testing.T) {
	h := setup(t, nil)
	h.MustUpload("grow", wabt.Compile(t, MemGrowWAT))
	h.MustUpload("fill", wabt.Compile(t, MemFillWAT))
	n := pick(4, 8)
	paths := append(memBindings(t, h, "grow", n), memBindings(t, h, "fill", n)...)
	base := h.Mem()
	baseline := h.ProbeMedian("/healthy", ProbeN)
	s := multiSiege(h, paths, pick(2, 3), deadlineBound+time.Second)
	w := h.WatchHealth(100 * time.Millisecond)
	time.Sleep(300 * time.Millisecond)
	during := h.ProbeMedian("/healthy", ProbeN)
	time.Sleep(pick(2*time.Second, 15*time.Second))
	healthz, api := w.Stop()
	res := s.Stop()
	t.Logf("%d bindings × %d connections: %s", len(paths), pick(2, 3), summarize(res))
	t.Logf("healthy route: baseline %s; during %s", baseline, during)
	checkAnswers(t, "memory.grow/fill loops", res, "500 plugin_failed, 503 host_overloaded/plugin_busy or 504 plugin_timeout",
		deadlineBound, func(r Resp) bool {
			return isFailed(r) || isTimeout(r) || r.Is(503, "host_overloaded") || r.Is(503, "plugin_busy")
		})
	checkP99Slack(t, baseline, during, MemoryProbeSlack)
	checkWatch(t, healthz, api)
	checkAlive(t, h, "after the memory attack")
	checkRSS(t, h, base, AssumedMaxTotalMemory, "memory.grow/fill")
	checkTermDuringAttack(t, h, paths[0], 4)
}

// TestGlobalMemoryBudget sets limits.max_total_memory_bytes to 256 MiB and
// runs 16 instances that each want 32 MiB (512 MiB in all): the excess
// must be refused (500, 503; 504 if a loop outlives its deadline) and the RSS must stay under baseline + 256
// MiB + RSSSlack.
func TestGlobalMemoryBudget(t *testing.T) {
	const budget = 256 << 20
	h := setup(t, map[string]any{"limits": map[string]any{"max_total_memory_bytes": budget}})
	h.MustUpload("fill", wabt.Compile(t, MemFillWAT))
	paths := memBindings(t, h, "fill", 8)
	base := h.Mem()
	s := multiSiege(h, paths, 2, queueBound+deadlineBound+time.Second)
	w := h.WatchHealth(100 * time.Millisecond)
	time.Sleep(pick(3*time.Second, 15*time.Second))
	healthz, api := w.Stop()
	res := s.Stop()
	t.Logf("8 bindings × 2 connections against a %s budget: %s", MiB(budget), summarize(res))
	checkWatch(t, healthz, api)
	// A new instance waits up to queue_timeout for memory to be freed,
	// then its call has its deadline.
	checkAnswers(t, "memory over the global budget", res, "500 plugin_failed, 503 host_overloaded/plugin_busy or 504 plugin_timeout",
		queueBound+deadlineBound, func(r Resp) bool {
			return isFailed(r) || isTimeout(r) || r.Is(503, "host_overloaded") || r.Is(503, "plugin_busy")
		})
	checkAlive(t, h, "after the memory budget attack")
	checkRSS(t, h, base, budget, "memory budget")
}

// TestDeepRecursion: a function calling itself with no loop, 8 i64 locals
// live per frame, on 4 bindings × 8 concurrent requests. Each request must
// fail with 500 plugin_failed (a call-depth bound), the peak RSS must stay
// within baseline + RecursionPeakSlack, and the healthy route must keep its
// p99. The issue saw 2–4.8 GB of stacks and a healthy p99 of 2 s.
func TestDeepRecursion(t *testing.T) {
	h := setup(t, nil)
	h.MustUpload("rec", Recursion(8))
	paths := memBindings(t, h, "rec", 4)
	base := h.Mem()
	baseline := h.ProbeMedian("/healthy", ProbeN)
	s := multiSiege(h, paths, 8, deadlineBound+time.Second)
	w := h.WatchHealth(100 * time.Millisecond)
	time.Sleep(300 * time.Millisecond)
	during := h.ProbeMedian("/healthy", ProbeN)
	time.Sleep(pick(2*time.Second, 15*time.Second))
	healthz, api := w.Stop()
	res := s.Stop()
	after := h.Mem()
	t.Logf("recursion, 4 bindings × 8 connections: %s", summarize(res))
	t.Logf("memory: before %s, after %s, largest RSS sampled %s", base, after, MiB(h.MaxRSSSeen()))
	t.Logf("healthy route: baseline %s; during %s", baseline, during)
	// 32 recursions at once share the long-call CPUs: some reach their
	// stack budget (500), the others their deadline (504).
	checkAnswers(t, "deep recursion", res, "500 plugin_failed or 504 plugin_timeout", deadlineBound,
		func(r Resp) bool { return isFailed(r) || isTimeout(r) })
	checkP99(t, baseline, during)
	checkWatch(t, healthz, api)
	if peak := max(after.HWM, h.MaxRSSSeen()); peak > base.RSS+RecursionPeakSlack {
		t.Errorf("deep recursion: want peak RSS ≤ baseline %s + %s = %s, got %s",
			MiB(base.RSS), MiB(RecursionPeakSlack), MiB(base.RSS+RecursionPeakSlack), MiB(peak))
	}
	checkAlive(t, h, "after the recursion attack")
	checkTermDuringAttack(t, h, paths[0], 8)
}

// checkRSS asserts that the child's RSS (now, and the largest sampled)
// stayed within base + budget + RSSSlack.
func checkRSS(t *testing.T, h *Hostd, base Mem, budget uint64, what string) {
	t.Helper()
	if h.Alive() != nil {
		return
	}
	bound := base.RSS + budget + RSSSlack
	now := h.Mem()
	if peak := max(now.HWM, h.MaxRSSSeen()); peak > bound {
		t.Errorf("%s: want RSS ≤ baseline %s + budget %s + slack %s = %s, got up to %s (now %s)",
			what, MiB(base.RSS), MiB(budget), MiB(RSSSlack), MiB(bound), MiB(peak), now)
	}
}
