package hostile

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/hostd/hostd/internal/testwasm"
)

// quarantineEntry is one element of "quarantine" in GET /v1/plugins/{name}.
type quarantineEntry struct {
	Version  int       `json:"version"`
	State    string    `json:"state"`
	Failures int       `json:"failures"`
	Until    time.Time `json:"until"`
	Reason   string    `json:"reason"`
}

// TestQuarantine: a plugin whose on_request traps every time, and one that
// times out every time. After a few failures the binding must be
// quarantined: fast 503 plugin_quarantined answers with Retry-After (p50 <
// QuarantineP50), the plugin's quarantine state in the admin API and in
// /metrics, instance creations far below the 233 per second, the
// healthy route's p99 kept during the crash loop, and after the backoff a
// good version must serve.
func TestQuarantine(t *testing.T) {
	for _, c := range []struct {
		name   string
		wasm   []byte
		budget time.Duration // to reach quarantine
	}{{"trap", testwasm.Trap, 5 * time.Second}, {"timeout", testwasm.Loop, 8 * time.Second}} {
		t.Run(c.name, func(t *testing.T) { quarantine(t, c.wasm, c.budget) })
	}
}

func quarantine(t *testing.T, wasm []byte, budget time.Duration) {
	h := setup(t, WithQuarantine())
	h.MustUpload("bad", wasm)
	h.MustRoute("bad", "/bad", "bad", nil)
	m0 := mustMetrics(t, h)
	// Quarantined answers come as fast as the attackers can ask, so the
	// baseline is the healthy route under the same load of fast answers
	// that involve no plugin (404 no_route): quarantine must cost no more.
	flood := h.Siege("/no-such-route", attackConns, time.Second)
	baseline := h.ProbeMedian("/healthy", ProbeN)
	flood.Stop()

	s := h.Siege("/bad", attackConns, deadlineBound+time.Second)
	w := h.WatchHealth(100 * time.Millisecond)
	during := h.ProbeMedian("/healthy", ProbeN)
	var quarantinedAt time.Duration
	for time.Since(s.Began) < budget && quarantinedAt == 0 {
		for _, r := range s.Results() {
			if r.Is(503, "plugin_quarantined") {
				quarantinedAt = time.Since(s.Began)
				break
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	healthz, api := w.Stop()
	res := s.Stop()
	crashLoop := time.Since(s.Began)
	m1 := mustMetrics(t, h)
	rate := float64(creations(m0, m1, "bad")) / crashLoop.Seconds()
	t.Logf("crash loop on %d connections for %s: %s; instance creations %.0f/s", attackConns, crashLoop.Round(time.Millisecond), summarize(res), rate)
	t.Logf("healthy route: baseline (under a flood of 404s) %s; during the crash loop %s", baseline, during)
	checkP99(t, baseline, during)
	checkWatch(t, healthz, api)
	if quarantinedAt == 0 {
		t.Fatalf("crash loop: want 503 plugin_quarantined answers after a few failures, none within %s: %s; instance creations %.0f/s; log lines %q×%d",
			budget, summarize(res), rate, "plugin failed", h.Logs("plugin failed"))
	}
	t.Logf("first plugin_quarantined answer after %s", quarantinedAt.Round(time.Millisecond))

	// Quarantined answers are fast, say when to retry, and create nothing.
	// A short first backoff may end during the sequential requests: the
	// first answer that is not quarantined (a retry) ends them.
	var qds []time.Duration
	quarantined := func(r Resp, what string) {
		if r.Header.Get("Retry-After") == "" {
			t.Errorf("%s: a 503 plugin_quarantined without Retry-After: %s", what, r)
		}
		qds = append(qds, r.Took)
	}
	for _, r := range res {
		if r.Is(503, "plugin_quarantined") {
			quarantined(r, "crash loop")
		}
	}
	for i := 0; i < 100; i++ {
		r := h.Data("/bad", deadlineBound+time.Second)
		if !r.Is(503, "plugin_quarantined") {
			t.Logf("sequential request %d after the quarantine began: %s (backoff over)", i+1, r)
			break
		}
		quarantined(r, fmt.Sprintf("sequential request %d", i+1))
	}
	if p50 := Percentile(qds, 50); p50 > QuarantineP50 {
		t.Errorf("quarantined answers: want p50 < %s, got %s over %d (max %s)", QuarantineP50, fmtDur(p50), len(qds), fmtDur(Percentile(qds, 100)))
	}
	if v, ok := mustMetrics(t, h).Sum("hostd_plugin_quarantined", nil); !ok || v <= 0 {
		t.Errorf("/metrics: want hostd_plugin_quarantined > 0, got %v (present %v)", v, ok)
	}
	entry := checkQuarantineEntry(t, h, "bad")
	m1 = mustMetrics(t, h)
	s = h.Siege("/bad", attackConns, deadlineBound+time.Second)
	time.Sleep(2 * time.Second)
	res = s.Stop()
	m2 := mustMetrics(t, h)
	if rate := float64(creations(m1, m2, "bad")) / 2; rate > MaxInstanceCreationsPerSecond {
		t.Errorf("while quarantined: want under %d instance creations/s, got %.0f/s (%s)", MaxInstanceCreationsPerSecond, rate, summarize(res))
	}

	// A good version serves once the backoff is over.
	h.MustUpload("bad", testwasm.Hello)
	wait := min(max(time.Until(entry.Until), 0)+2*time.Second, 20*time.Second)
	var last Resp
	for deadline := time.Now().Add(wait); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if last = h.Data("/bad", deadlineBound+time.Second); last.Is(200, "") {
			break
		}
	}
	if !last.Is(200, "") {
		t.Errorf("after activating a good version: want 200 within the backoff + 2s (%s), got %s", wait.Round(time.Millisecond), last)
	}
	checkAlive(t, h, "after the crash loop")
}

// checkQuarantineEntry asserts GET /v1/plugins/{name} lists a quarantined
// entry and returns it.
func checkQuarantineEntry(t *testing.T, h *Hostd, name string) quarantineEntry {
	t.Helper()
	r := h.Plugin(name)
	var p struct {
		Quarantine []quarantineEntry `json:"quarantine"`
	}
	if !r.Is(200, "") || json.Unmarshal(r.Body, &p) != nil {
		t.Fatalf("GET /v1/plugins/%s: want 200 with a \"quarantine\" array, got %s", name, r)
	}
	for _, e := range p.Quarantine {
		if e.State == "quarantined" && e.Version > 0 && e.Failures > 0 && !e.Until.IsZero() && e.Reason != "" {
			t.Logf("quarantine entry: %+v", e)
			return e
		}
	}
	t.Fatalf("GET /v1/plugins/%s: want a \"quarantine\" entry {version, state \"quarantined\", failures > 0, until, reason}, got %s", name, r.Body)
	return quarantineEntry{}
}

func mustMetrics(t *testing.T, h *Hostd) Metrics {
	t.Helper()
	m, err := h.Metrics()
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// creations counts the instances of plugin created between two scrapes:
// hostd_plugin_instances_created_total if hostd exports it, else the
// instances discarded after a failure (calls with outcome trap, timeout or
// memory: each is replaced by a new instance on the next request) plus the
// change of the live-instance gauge.
func creations(m1, m2 Metrics, plugin string) int {
	sel := map[string]string{"plugin": plugin}
	if a, ok := m2.Sum("hostd_plugin_instances_created_total", sel); ok {
		b, _ := m1.Sum("hostd_plugin_instances_created_total", sel)
		return int(a - b)
	}
	n := 0.0
	for _, o := range []string{"trap", "timeout", "memory"} {
		sel := map[string]string{"plugin": plugin, "outcome": o}
		a, _ := m2.Sum("hostd_plugin_calls_total", sel)
		b, _ := m1.Sum("hostd_plugin_calls_total", sel)
		n += a - b
	}
	a, _ := m2.Sum("hostd_plugin_instances", sel)
	b, _ := m1.Sum("hostd_plugin_instances", sel)
	return int(n + a - b)
}
