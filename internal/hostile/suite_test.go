package hostile

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/hostd/hostd/internal/testwasm"
)

// setup starts hostd with cfg and binds the healthy route /healthy (the
// hello fixture).
func setup(t *testing.T, cfg map[string]any) *Hostd {
	t.Helper()
	h := Start(t, Options{Config: cfg})
	h.MustUpload("hello", testwasm.Hello)
	h.MustRoute("healthy", "/healthy", "hello", nil)
	for i := 0; i < 20; i++ { // warm the pool and the connection
		h.Data("/healthy", time.Second)
	}
	return h
}

// attackReport is what underAttack measured.
type attackReport struct {
	Baseline, During Latency
	Healthz, API     HealthReport
	Results          []Resp
	Took             time.Duration
}

// underAttack measures the healthy route's latency (baseline), then starts
// conns attackers on path (each request bounded by reqTimeout), probes the
// healthy route again while they run, keeps the attack going for at least
// minDur, and returns everything observed.
func underAttack(t *testing.T, h *Hostd, path string, conns int, reqTimeout, minDur time.Duration) attackReport {
	t.Helper()
	var r attackReport
	r.Baseline = h.ProbeMedian("/healthy", ProbeN)
	s := h.Siege(path, conns, reqTimeout)
	w := h.WatchHealth(100 * time.Millisecond)
	time.Sleep(200 * time.Millisecond) // let every attacker get a call running
	r.During = h.ProbeMedian("/healthy", ProbeN)
	if rest := minDur - time.Since(s.Began); rest > 0 {
		time.Sleep(rest)
	}
	r.Healthz, r.API = w.Stop()
	r.Results = s.Stop()
	r.Took = time.Since(s.Began)
	t.Logf("attack on %s with %d connections for %s: %s", path, conns, r.Took.Round(time.Millisecond), summarize(r.Results))
	t.Logf("healthy route: baseline %s; during the attack %s", r.Baseline, r.During)
	t.Logf("during the attack: /healthz %s; admin API %s", r.Healthz, r.API)
	return r
}

// checkHealthy asserts the healthy-route bound and that /healthz and the
// admin API answered throughout.
func (r attackReport) checkHealthy(t *testing.T) {
	t.Helper()
	checkP99(t, r.Baseline, r.During)
	checkWatch(t, r.Healthz, r.API)
}

func checkWatch(t *testing.T, healthz, api HealthReport) {
	t.Helper()
	if healthz.Failures > 0 || healthz.Checks == 0 {
		t.Errorf("/healthz during the attack: want every check 200 within %s, got %s", healthTimeout, healthz)
	}
	if api.Failures > 0 || api.Checks == 0 {
		t.Errorf("admin API (GET /v1/plugins) during the attack: want every check 200 within %s, got %s", healthTimeout, api)
	}
}

// checkP99 asserts p99(during) ≤ ProbeFactor × p99(baseline) + ProbeSlack
// and that every probe request was answered 200.
func checkP99(t *testing.T, base, during Latency) {
	t.Helper()
	checkP99Slack(t, base, during, ProbeSlack)
}

// checkP99Slack is checkP99 with another slack.
func checkP99Slack(t *testing.T, base, during Latency, slack time.Duration) {
	t.Helper()
	bound := time.Duration(ProbeFactor)*base.P99 + slack
	if during.P99 > bound || during.OK < during.N || during.N < ProbeN {
		t.Errorf("healthy route during the attack: want %d/%d answers 200 with p99 ≤ %d×%s+%s = %s, got %s (baseline %s)",
			ProbeN, ProbeN, ProbeFactor, fmtDur(base.P99), slack, fmtDur(bound), during, base)
	}
}

// checkAlive asserts that the child still runs (same PID: it is our child,
// so the PID cannot be reused while it runs) and that /healthz answers.
func checkAlive(t *testing.T, h *Hostd, when string) {
	t.Helper()
	if err := h.Alive(); err != nil {
		t.Fatalf("%s: want hostd alive with pid %d, but %v", when, h.PID, err)
	}
	if r := h.Healthz(2 * time.Second); !r.Is(200, "") {
		t.Errorf("%s: /healthz: want 200 within 2s, got %s", when, r)
	}
}

// checkTermDuringAttack starts conns attackers on path, sends SIGTERM once
// they run and asserts that hostd exits within ShutdownTimeout +
// ShutdownGrace.
func checkTermDuringAttack(t *testing.T, h *Hostd, path string, conns int) {
	t.Helper()
	if h.Alive() != nil {
		return // already reported
	}
	s := h.Siege(path, conns, ShutdownTimeout+ShutdownGrace+time.Second)
	time.Sleep(300 * time.Millisecond)
	exited, took := h.Term()
	res := s.Stop()
	if !exited {
		t.Errorf("SIGTERM during the attack on %s: want exit within shutdown_timeout %s + %s, still running after %s (attack: %s)",
			path, ShutdownTimeout, ShutdownGrace, took.Round(time.Millisecond), summarize(res))
		return
	}
	t.Logf("SIGTERM during the attack on %s: exited after %s", path, took.Round(time.Millisecond))
}

// checkAnswers asserts that there were answers and that each satisfies ok
// within maxTook; want describes ok for the message.
func checkAnswers(t *testing.T, what string, res []Resp, want string, maxTook time.Duration, ok func(Resp) bool) {
	t.Helper()
	if len(res) == 0 {
		t.Errorf("%s: no request was answered at all (want %s)", what, want)
		return
	}
	var bad []string
	var worst time.Duration
	for _, r := range res {
		worst = max(worst, r.Took)
		if !ok(r) || r.Took > maxTook {
			bad = append(bad, r.String())
		}
	}
	if len(bad) > 0 {
		t.Errorf("%s: want every answer %s within %s; %d of %d were not (slowest %s), e.g. %s; all: %s",
			what, want, maxTook, len(bad), len(res), worst.Round(time.Millisecond), strings.Join(first(bad, 3), "; "), summarize(res))
	}
}

func first(s []string, n int) []string { return s[:min(n, len(s))] }

// summarize counts answers by status and code and gives their durations.
func summarize(res []Resp) string {
	if len(res) == 0 {
		return "no answers"
	}
	counts := map[string]int{}
	var ds []time.Duration
	for _, r := range res {
		k := "no answer"
		if r.Err == nil {
			k = fmt.Sprint(r.Status)
			if c := r.Code(); c != "" {
				k += " " + c
			}
		}
		counts[k]++
		ds = append(ds, r.Took)
	}
	var keys []string
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s ×%d", k, counts[k]))
	}
	return fmt.Sprintf("%d answers (%s), took min %s p50 %s max %s", len(res), strings.Join(parts, ", "),
		fmtDur(Percentile(ds, 0)), fmtDur(Percentile(ds, 50)), fmtDur(Percentile(ds, 100)))
}

// deadlineBound is when a call's answer must have arrived.
const deadlineBound = CallTimeout + Margin

// queueBound is how long a request may wait for an instance (the default
// limits.queue_timeout).
const queueBound = time.Second

// isTimeout reports a 504 plugin_timeout.
func isTimeout(r Resp) bool { return r.Is(504, "plugin_timeout") }

// isFailed reports a 500 plugin_failed.
func isFailed(r Resp) bool { return r.Is(500, "plugin_failed") }

// pick returns short in the normal run and long with -tags hostile_long.
func pick[T any](short, long T) T {
	if longRun {
		return long
	}
	return short
}
