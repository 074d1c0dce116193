package hostile

import (
	"testing"
	"time"

	"github.com/hostd/hostd/internal/testwasm"
)

// TestNoBlindRerunAfterCrash: a route's plugin spins until its deadline;
// while a request is in flight hostd is SIGKILLed (as if that plugin had
// frozen or crashed it). After the restart the first request to that
// route must get 503 plugin_quarantined without running the plugin, GET
// /v1/plugins/{name} must say why, and other routes must serve normally.
// The issue saw the first request after a restart freeze hostd again.
func TestNoBlindRerunAfterCrash(t *testing.T) {
	h := setup(t, WithQuarantine())
	h.MustUpload("spin", testwasm.Loop)
	h.MustRoute("spin", "/spin", "spin", nil)
	inflight := make(chan Resp, 1)
	go func() { inflight <- h.Data("/spin", 5*time.Second) }()
	time.Sleep(300 * time.Millisecond)
	h.Kill()
	t.Logf("in-flight request at SIGKILL: %s", <-inflight)

	h2 := h.Restart(t)
	r := h2.Data("/spin", deadlineBound+time.Second)
	if !r.Is(503, "plugin_quarantined") || r.Took > 100*time.Millisecond {
		t.Errorf("first request to /spin after the crash: want a fast 503 plugin_quarantined (not run until its backoff passes), got %s", r)
	}
	if r := h2.Data("/healthy", 2*time.Second); !r.Is(200, "") {
		t.Errorf("after the restart: GET /healthy: want 200, got %s", r)
	}
	if r.Is(503, "plugin_quarantined") {
		checkQuarantineEntry(t, h2, "spin")
	} else {
		t.Logf("GET /v1/plugins/spin after the restart: %s", h2.Plugin("spin"))
	}
	checkAlive(t, h2, "after the restart")
}
