package hostile

import (
	"fmt"
	"testing"
	"time"

	"github.com/hostd/hostd/internal/testwasm"
)

// attackConns is how many connections keep hitting a hostile route while
// the healthy route is probed.
const attackConns = 3

// TestCallTree40 is the 443-byte module: on_request is a tree of
// calls without a loop, 40 levels deep (2^40 leaf calls). Every request
// must end with 504 plugin_timeout within call_timeout + Margin while the
// healthy route, /healthz and the admin API keep answering, and SIGTERM
// must still stop the process.
func TestCallTree40(t *testing.T) {
	wasm := CallTree(40, InRequest, false)
	t.Logf("call tree module: depth 40, %d bytes", len(wasm))
	h := setup(t, nil)
	h.MustUpload("tree", wasm)
	h.MustRoute("tree", "/tree", "tree", nil)

	rep := underAttack(t, h, "/tree", attackConns, deadlineBound+2*time.Second, pick(3*time.Second, 20*time.Second))
	logOverrun(t, rep.Results)
	checkAnswers(t, "call tree 40", rep.Results, "504 plugin_timeout", deadlineBound, isTimeout)
	rep.checkHealthy(t)
	checkAlive(t, h, "after the call-tree attack")
	checkTermDuringAttack(t, h, "/tree", attackConns)
}

// TestCallTreeShallow: trees that end on their own (depth 26: about 2^26
// calls, well within the deadline; depth 30: about 10 s on the current
// engine, and with host calls at the leaves) must also end within the
// deadline + Margin: 200 if they finish in time, else 504.
func TestCallTreeShallow(t *testing.T) {
	type tree struct {
		depth  int
		leaves bool
	}
	cases := []tree{{26, false}, {30, false}, {30, true}}
	if longRun {
		cases = append(cases, tree{22, false}, tree{28, false}, tree{28, true}, tree{34, false})
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("depth%d_hostleaves=%v", c.depth, c.leaves), func(t *testing.T) {
			h := setup(t, nil)
			h.MustUpload("tree", CallTree(c.depth, InRequest, c.leaves))
			h.MustRoute("tree", "/tree", "tree", nil)
			var res []Resp
			for i := 0; i < 2; i++ {
				res = append(res, h.Data("/tree", deadlineBound+time.Second))
			}
			t.Logf("depth %d: %s", c.depth, summarize(res))
			checkAnswers(t, fmt.Sprintf("call tree %d", c.depth), res, "200 or 504 plugin_timeout", deadlineBound,
				func(r Resp) bool { return r.Is(200, "") || isTimeout(r) })
			checkAlive(t, h, "after the shallow call tree")
		})
	}
}

// TestLoopSpinControl is the attack that already held (a loop, stopped by
// wazero's cancellation at loop headers): the same assertions as the call
// tree. It tells apart what the deadline machinery does from what the
// healthy-route bound demands of the scheduler.
func TestLoopSpinControl(t *testing.T) {
	h := setup(t, nil)
	h.MustUpload("loop", testwasm.Loop)
	h.MustRoute("loop", "/loop", "loop", nil)
	rep := underAttack(t, h, "/loop", attackConns, deadlineBound+2*time.Second, pick(3*time.Second, 20*time.Second))
	logOverrun(t, rep.Results)
	checkAnswers(t, "loop spin", rep.Results, "504 plugin_timeout", deadlineBound, isTimeout)
	rep.checkHealthy(t)
	checkAlive(t, h, "after the loop attack")
	checkTermDuringAttack(t, h, "/loop", attackConns)
}

// logOverrun logs by how much answers overran call_timeout.
func logOverrun(t *testing.T, res []Resp) {
	t.Helper()
	var worst time.Duration
	n := 0
	for _, r := range res {
		if r.Err == nil {
			worst = max(worst, r.Took-CallTimeout)
			n++
		}
	}
	t.Logf("overrun past call_timeout %s: worst %s over %d answers (Margin %s)", CallTimeout, worst.Round(time.Millisecond), n, Margin)
}
