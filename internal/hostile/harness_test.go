package hostile

import (
	"testing"
	"time"
)

// TestHarness checks the harness on a benign plugin: start, admin API,
// data plane, metrics, memory, SIGTERM and a restart on the same data
// directory. It passes on today's hostd; if it fails, the other tests'
// failures say nothing about hostd.
func TestHarness(t *testing.T) {
	h := setup(t, nil)
	if r := h.Data("/healthy", 2*time.Second); !r.Is(200, "") || string(r.Body) != "hello from wat" {
		t.Fatalf("GET /healthy: want 200 \"hello from wat\", got %s", r)
	}
	if r := h.Data("/nope", 2*time.Second); !r.Is(404, "no_route") {
		t.Errorf("GET /nope: want 404 no_route, got %s", r)
	}
	if r := h.Plugin("hello"); !r.Is(200, "") {
		t.Errorf("GET /v1/plugins/hello: want 200, got %s", r)
	}
	if r := h.Plugin("absent"); !r.Is(404, "") {
		t.Errorf("GET /v1/plugins/absent: want 404, got %s", r)
	}
	m := mustMetrics(t, h)
	if v, ok := m.Sum("hostd_routes", nil); !ok || v != 1 {
		t.Errorf("hostd_routes: want 1, got %v (present %v)", v, ok)
	}
	if v, ok := m.Sum("hostd_plugin_instances", map[string]string{"plugin": "hello"}); !ok || v < 1 {
		t.Errorf("hostd_plugin_instances{plugin=hello}: want ≥ 1, got %v (present %v)", v, ok)
	}
	if mem := h.Mem(); mem.RSS < 1<<20 || mem.HWM < mem.RSS {
		t.Errorf("memory of the child: implausible %s", mem)
	}
	l := h.Probe("/healthy", 50)
	if l.OK != 50 || l.P50 <= 0 || l.P99 < l.P50 || l.Max < l.P99 {
		t.Errorf("probe: implausible %s", l)
	}
	if r := h.Readyz(2 * time.Second); !r.Is(200, "") {
		t.Errorf("/readyz: want 200, got %s", r)
	}
	pid := h.PID
	if ok, took := h.Term(); !ok {
		t.Fatalf("SIGTERM of an idle hostd: no exit within %s", took)
	}
	if h.Alive() == nil {
		t.Fatal("Alive() is nil after the exit")
	}
	h2 := h.Restart(t)
	if h2.PID == pid {
		t.Errorf("restart: same pid %d", pid)
	}
	if r := h2.Data("/healthy", 2*time.Second); !r.Is(200, "") {
		t.Errorf("after the restart: GET /healthy: want 200 (the route is stored), got %s", r)
	}
	checkAlive(t, h2, "after the restart")
}

func TestParseMetrics(t *testing.T) {
	m := ParseMetrics(`# HELP x y
# TYPE hostd_plugin_instances gauge
hostd_plugin_instances{plugin="a",version="1"} 2
hostd_plugin_instances{plugin="b",version="1"} 3
hostd_routes 4
hostd_seconds_sum{route="r"} 1.5e-3
`)
	if v, _ := m.Sum("hostd_plugin_instances", nil); v != 5 {
		t.Errorf("sum of instances = %v, want 5", v)
	}
	if v, _ := m.Sum("hostd_plugin_instances", map[string]string{"plugin": "b"}); v != 3 {
		t.Errorf("instances of b = %v, want 3", v)
	}
	if v, _ := m.Sum("hostd_routes", nil); v != 4 {
		t.Errorf("routes = %v, want 4", v)
	}
	if v, _ := m.Sum("hostd_seconds_sum", nil); v != 0.0015 {
		t.Errorf("seconds = %v, want 0.0015", v)
	}
	if _, ok := m.Sum("absent", nil); ok {
		t.Error("absent metric reported present")
	}
}

func TestPercentile(t *testing.T) {
	var ds []time.Duration
	for i := 1; i <= 100; i++ {
		ds = append(ds, time.Duration(i))
	}
	for _, c := range []struct {
		p    float64
		want time.Duration
	}{{0, 1}, {50, 50}, {99, 99}, {100, 100}} {
		if got := Percentile(ds, c.p); got != c.want {
			t.Errorf("p%v = %v, want %v", c.p, got, c.want)
		}
	}
	if got := Percentile([]time.Duration{7}, 99); got != 7 {
		t.Errorf("p99 of one = %v", got)
	}
}
