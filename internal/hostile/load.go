package hostile

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"sync"
	"time"
)

// Latency summarises one probe: N sequential requests to a healthy route.
type Latency struct {
	N, OK          int
	P50, P99, Max  time.Duration
	FirstFailure   string // the first answer that was not 200
	Aborted        string // why the probe stopped early, if it did
	Took           time.Duration
	FailureSamples int
}

func (l Latency) String() string {
	s := fmt.Sprintf("%d/%d ok, p50 %s p99 %s max %s", l.OK, l.N, fmtDur(l.P50), fmtDur(l.P99), fmtDur(l.Max))
	if l.FirstFailure != "" {
		s += "; first failure: " + l.FirstFailure
	}
	if l.Aborted != "" {
		s += "; aborted: " + l.Aborted
	}
	return s
}

func fmtDur(d time.Duration) string {
	if d < time.Millisecond {
		return fmt.Sprintf("%.3fms", float64(d)/float64(time.Millisecond))
	}
	return d.Round(10 * time.Microsecond).String()
}

// Probe timings: a request of the healthy route that takes longer than
// probeRequestTimeout counts at that duration; probeMaxTimeouts of them, or
// probeBudget in all, end the probe (a frozen host must not hold the test).
const (
	probeRequestTimeout = 2 * time.Second
	probeMaxTimeouts    = 3
	probeBudget         = 4 * time.Second
)

// Probe sends n sequential GETs of path on one keep-alive connection and
// measures their latency. Answers other than 200 count as failures; their
// latency is included.
func (h *Hostd) Probe(path string, n int) Latency {
	c := NewClient()
	defer c.CloseIdleConnections()
	var ds []time.Duration
	l := Latency{}
	begin := time.Now()
	timeouts := 0
	for i := 0; i < n; i++ {
		r := Do(c, "GET", h.DataURL+path, nil, nil, probeRequestTimeout)
		ds = append(ds, r.Took)
		l.N++
		if r.Is(200, "") {
			l.OK++
		} else {
			l.FailureSamples++
			if l.FirstFailure == "" {
				l.FirstFailure = fmt.Sprintf("request %d: %s", i+1, r)
			}
			if r.Err != nil {
				timeouts++
			}
		}
		if timeouts >= probeMaxTimeouts {
			l.Aborted = fmt.Sprintf("%d requests without an answer", timeouts)
			break
		}
		if time.Since(begin) > probeBudget {
			l.Aborted = fmt.Sprintf("probe budget %s spent after %d requests", probeBudget, l.N)
			break
		}
	}
	l.Took = time.Since(begin)
	l.P50, l.P99, l.Max = Percentile(ds, 50), Percentile(ds, 99), Percentile(ds, 100)
	return l
}

// Percentile returns the p-th percentile (nearest rank) of ds.
func Percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(float64(len(s))*p/100+0.999999) - 1
	return s[max(0, min(i, len(s)-1))]
}

// Siege is an attack: conns goroutines, each on its own connection,
// requesting a path in a loop until Stop.
type Siege struct {
	cancel context.CancelFunc
	wg     sync.WaitGroup
	mu     sync.Mutex
	res    []Resp
	Began  time.Time
}

// Siege starts conns attackers on path; each request has reqTimeout.
func (h *Hostd) Siege(path string, conns int, reqTimeout time.Duration) *Siege {
	clients := make([]*http.Client, conns)
	for i := range clients {
		clients[i] = NewClient()
	}
	return h.SiegeFunc(conns, func(ctx context.Context, i int) Resp {
		c := clients[i]
		ctx, cancel := context.WithTimeout(ctx, reqTimeout)
		defer cancel()
		return DoCtx(ctx, c, "GET", h.DataURL+path, nil, nil)
	})
}

// SiegeFunc starts conns goroutines calling do in a loop (i is the
// goroutine's number) until Stop.
func (h *Hostd) SiegeFunc(conns int, do func(ctx context.Context, i int) Resp) *Siege {
	ctx, cancel := context.WithCancel(context.Background())
	s := &Siege{cancel: cancel, Began: time.Now()}
	for i := 0; i < conns; i++ {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			for ctx.Err() == nil {
				r := do(ctx, i)
				if ctx.Err() != nil && r.Err != nil && errors.Is(r.Err, context.Canceled) {
					return // cut short by Stop: not an answer
				}
				s.mu.Lock()
				s.res = append(s.res, r)
				s.mu.Unlock()
				if r.Err != nil { // a refused connection must not spin
					time.Sleep(5 * time.Millisecond)
				}
			}
		}()
	}
	return s
}

// Results returns the answers so far.
func (s *Siege) Results() []Resp {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.res)
}

// Stop cancels in-flight requests, waits for the attackers and returns every
// answer they got.
func (s *Siege) Stop() []Resp {
	s.cancel()
	s.wg.Wait()
	return s.Results()
}

// HealthReport summarises a HealthWatch.
type HealthReport struct {
	Checks, Failures int
	Max              time.Duration
	First            string // the first failure
}

func (r HealthReport) String() string {
	s := fmt.Sprintf("%d checks, %d failed, slowest %s", r.Checks, r.Failures, fmtDur(r.Max))
	if r.First != "" {
		s += "; first failure: " + r.First
	}
	return s
}

// healthTimeout bounds one /healthz or admin check of a HealthWatch.
const healthTimeout = time.Second

// HealthWatch polls /healthz and an admin API read (GET /v1/plugins) while
// an attack runs.
type HealthWatch struct {
	stop         chan struct{}
	done         chan struct{}
	healthz, api HealthReport
}

// WatchHealth starts polling every interval.
func (h *Hostd) WatchHealth(interval time.Duration) *HealthWatch {
	w := &HealthWatch{stop: make(chan struct{}), done: make(chan struct{})}
	c := NewClient()
	go func() {
		defer close(w.done)
		for {
			check(&w.healthz, Do(c, "GET", h.AdminURL+"/healthz", nil, nil, healthTimeout), "GET /healthz")
			check(&w.api, Do(c, "GET", h.AdminURL+"/v1/plugins", nil,
				http.Header{"Authorization": {"Bearer " + h.Token}}, healthTimeout), "GET /v1/plugins")
			select {
			case <-w.stop:
				return
			case <-time.After(interval):
			}
		}
	}()
	return w
}

func check(r *HealthReport, resp Resp, what string) {
	r.Checks++
	r.Max = max(r.Max, resp.Took)
	if !resp.Is(200, "") {
		r.Failures++
		if r.First == "" {
			r.First = fmt.Sprintf("%s (check %d): %s", what, r.Checks, resp)
		}
	}
}

// Stop ends the watch and returns the /healthz and admin API reports.
func (w *HealthWatch) Stop() (healthz, api HealthReport) {
	close(w.stop)
	<-w.done
	return w.healthz, w.api
}

// ProbeMedian runs ProbeRounds probes of n requests in a row and returns
// the one whose p99 is the median, so that one scheduler hiccup of a
// shared machine (a garbage collection, another job) does not decide a
// comparison; a probe with a failed answer is returned at once.
func (h *Hostd) ProbeMedian(path string, n int) Latency {
	var ls []Latency
	for range ProbeRounds {
		l := h.Probe(path, n)
		if l.OK != l.N || l.Aborted != "" {
			return l
		}
		ls = append(ls, l)
	}
	sort.Slice(ls, func(i, j int) bool { return ls[i].P99 < ls[j].P99 })
	return ls[len(ls)/2]
}
