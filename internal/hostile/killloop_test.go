package hostile

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/hostd/hostd/host"
	"github.com/hostd/hostd/internal/testwasm"
)

// killRounds is how many times TestKillLoopKeepsAcknowledgedWrites
// SIGKILLs hostd: a few in CI, many with -tags hostile_long.
func killRounds() int {
	if longRun {
		return 100
	}
	return 6
}

// ackLog is what the writers were told: for each route, the state its
// last change left — present (PUT acknowledged), absent (DELETE
// acknowledged) or unknown (a change cut off without an answer, which may
// or may not have been applied) — and the acknowledged uploads.
type ackLog struct {
	mu      sync.Mutex
	routes  map[string]routeState
	uploads map[string]int // plugin → highest acked version
}

type routeState int

const (
	routePresent routeState = iota + 1
	routeAbsent
	routeUnknown
)

// TestKillLoopKeepsAcknowledgedWrites: writers create and delete routes
// and upload plugin versions while hostd is SIGKILLed at a random moment.
// After each kill, registry.db must pass bbolt's consistency check and
// the restarted hostd must have every acknowledged write: each route whose
// last acknowledged change was a PUT is there, each whose last was a
// DELETE is gone, and each acknowledged plugin version exists. A write
// cut off without an answer may or may not be there.
func TestKillLoopKeepsAcknowledgedWrites(t *testing.T) {
	h := Start(t, Options{})
	h.MustUpload("hello", testwasm.Hello)
	acks := &ackLog{routes: map[string]routeState{}, uploads: map[string]int{}}
	for round := range killRounds() {
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for w := range 3 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				writeUntilStopped(h, acks, round, w, stop)
			}()
		}
		time.Sleep(time.Duration(50+rand.IntN(400)) * time.Millisecond)
		h.Kill()
		close(stop)
		wg.Wait()
		if err := host.CheckStore(h.DataDir); err != nil {
			t.Fatalf("round %d: registry.db after SIGKILL: %v", round, err)
		}
		h = h.Restart(t)
		checkAcked(t, h, acks, round)
	}
	n := map[routeState]int{}
	for _, st := range acks.routes {
		n[st]++
	}
	t.Logf("%d SIGKILL rounds: %d route PUTs and %d DELETEs acknowledged and found so after each restart (%d cut off unanswered), %d plugins' versions all there",
		killRounds(), n[routePresent], n[routeAbsent], n[routeUnknown], len(acks.uploads))
}

// writeUntilStopped is one writer: route PUTs, DELETEs of its own earlier
// routes and plugin uploads, until stop or hostd is gone.
func writeUntilStopped(h *Hostd, acks *ackLog, round, writer int, stop <-chan struct{}) {
	for i := 0; ; i++ {
		select {
		case <-stop:
			return
		default:
		}
		id := fmt.Sprintf("r%d-%d-%d", round, writer, i)
		var r Resp
		switch i % 4 {
		case 0, 1:
			r = h.PutRoute(id, Route("/"+id, "hello", nil), 2*time.Second)
			acks.answered(id, r, routePresent)
		case 2:
			prev := fmt.Sprintf("r%d-%d-%d", round, writer, i-2)
			r = h.Admin("DELETE", "/v1/routes/"+prev, nil, 2*time.Second)
			acks.answered(prev, r, routeAbsent)
		case 3:
			name := fmt.Sprintf("p%d", writer)
			r = h.Upload(name, withCustom(testwasm.Hello, fmt.Sprintf("%d-%d-%d", round, writer, i)), 5*time.Second)
			var v struct{ Version int }
			if r.Status/100 == 2 && json.Unmarshal(r.Body, &v) == nil {
				acks.uploaded(name, v.Version)
			}
		}
		if r.Err != nil {
			return // hostd is gone
		}
	}
}

// answered records the answer r to a change of route id that, when
// acknowledged, leaves it in state ok. A refusal (4xx, 5xx) changes
// nothing.
func (a *ackLog) answered(id string, r Resp, ok routeState) {
	a.mu.Lock()
	defer a.mu.Unlock()
	switch {
	case r.Err != nil:
		a.routes[id] = routeUnknown
	case r.Status/100 == 2:
		a.routes[id] = ok
	}
}

func (a *ackLog) uploaded(name string, v int) {
	a.mu.Lock()
	a.uploads[name] = max(a.uploads[name], v)
	a.mu.Unlock()
}

// checkAcked compares the restarted hostd's routes and plugins with acks.
func checkAcked(t *testing.T, h *Hostd, acks *ackLog, round int) {
	t.Helper()
	r := h.Admin("GET", "/v1/routes", nil, 5*time.Second)
	var list struct{ Routes []struct{ ID string } }
	if r.Status != 200 || json.Unmarshal(r.Body, &list) != nil {
		t.Fatalf("round %d: GET /v1/routes after the restart: %s", round, r)
	}
	have := map[string]bool{}
	for _, rt := range list.Routes {
		have[rt.ID] = true
	}
	acks.mu.Lock()
	defer acks.mu.Unlock()
	for id, st := range acks.routes {
		if st != routeUnknown && have[id] != (st == routePresent) {
			t.Errorf("round %d: route %s: acknowledged present=%v, after SIGKILL and restart present=%v", round, id, st == routePresent, have[id])
		}
	}
	for name, v := range acks.uploads {
		r := h.Plugin(name)
		var p struct{ Versions []struct{ Version int } }
		if r.Status != 200 || json.Unmarshal(r.Body, &p) != nil {
			t.Errorf("round %d: plugin %s (version %d acknowledged): %s", round, name, v, r)
			continue
		}
		if n := len(p.Versions); n == 0 || p.Versions[n-1].Version < v {
			t.Errorf("round %d: plugin %s: version %d acknowledged, after the restart %d versions", round, name, v, n)
		}
	}
}

// withCustom appends a small custom section named tag (distinct bytes, the
// same code).
func withCustom(wasm []byte, tag string) []byte {
	payload := append([]byte{byte(len(tag))}, tag...)
	out := append(append([]byte(nil), wasm...), 0, byte(len(payload)))
	return append(out, payload...)
}
