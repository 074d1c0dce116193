//go:build hostile_long

package hostile

import (
	"fmt"
	"testing"
	"time"
)

// TestLongCallTreeSweep sweeps call-tree depth and attack concurrency:
// every answer must be 200 or 504 plugin_timeout within the deadline +
// Margin, the healthy route must keep its p99 and hostd must live.
func TestLongCallTreeSweep(t *testing.T) {
	for depth := 20; depth <= 40; depth += 4 {
		for _, conns := range []int{1, 2, 4} {
			t.Run(fmt.Sprintf("depth%d_conns%d", depth, conns), func(t *testing.T) {
				h := setup(t, nil)
				h.MustUpload("tree", CallTree(depth, InRequest, depth%8 == 0))
				h.MustRoute("tree", "/tree", "tree", nil)
				rep := underAttack(t, h, "/tree", conns, deadlineBound+2*time.Second, 10*time.Second)
				logOverrun(t, rep.Results)
				checkAnswers(t, fmt.Sprintf("call tree %d", depth), rep.Results, "200 or 504 plugin_timeout", deadlineBound,
					func(r Resp) bool { return r.Is(200, "") || isTimeout(r) })
				rep.checkHealthy(t)
				checkAlive(t, h, "after the sweep step")
			})
		}
	}
}

// TestLongKVKeyQuota fills KV with small values until the per-plugin key
// quota (100000 keys by default) refuses further puts.
func TestLongKVKeyQuota(t *testing.T) {
	kvQuota(t, 16, 5000, 1000) // ends at the refusal or past 110000 keys
}

// TestLongDeepRecursionWide runs the recursion attack on 8 bindings × 8
// connections for 20 s.
func TestLongDeepRecursionWide(t *testing.T) {
	h := setup(t, nil)
	h.MustUpload("rec", Recursion(16))
	paths := memBindings(t, h, "rec", 8)
	base := h.Mem()
	s := multiSiege(h, paths, 8, deadlineBound+time.Second)
	time.Sleep(20 * time.Second)
	res := s.Stop()
	t.Logf("recursion, 8 bindings × 8 connections: %s; memory before %s, largest RSS sampled %s", summarize(res), base, MiB(h.MaxRSSSeen()))
	// 64 recursions at once share the long-call CPUs: some reach their
	// stack budget (500), the others their deadline (504).
	checkAnswers(t, "deep recursion", res, "500 plugin_failed or 504 plugin_timeout", deadlineBound,
		func(r Resp) bool { return isFailed(r) || isTimeout(r) })
	if peak := max(h.Mem().HWM, h.MaxRSSSeen()); peak > base.RSS+RecursionPeakSlack {
		t.Errorf("deep recursion: want peak RSS ≤ baseline %s + %s, got %s", MiB(base.RSS), MiB(RecursionPeakSlack), MiB(peak))
	}
	checkAlive(t, h, "after the recursion attack")
}
