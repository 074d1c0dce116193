// Package metrics defines hostd's Prometheus metrics. It is the only package
// that imports the Prometheus client; others report through its methods or
// through the small observer interfaces they declare.
package metrics

import (
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics holds every hostd metric in its own registry (so several hosts can
// run in one process, as tests do). Safe for concurrent use.
type Metrics struct {
	reg *prometheus.Registry

	requests    *prometheus.CounterVec
	reqDuration *prometheus.HistogramVec
	calls       *prometheus.CounterVec
	callDur     *prometheus.HistogramVec
	instances   *prometheus.GaugeVec
	uploads     *prometheus.CounterVec
	routes      prometheus.Gauge
	swaps       prometheus.Counter
	messages    *prometheus.CounterVec
	quarantines *prometheus.CounterVec

	// callObs caches the children of calls and callDur by label values,
	// so a plugin call does not hash its labels into the vectors (they
	// are never deleted, so neither are the cached children).
	callMu  sync.RWMutex
	callObs map[callKey]callObs
}

type callKey struct {
	plugin         string
	version        int
	phase, outcome string
}

type callObs struct {
	count prometheus.Counter
	dur   prometheus.Observer // nil for "acquire"
}

// New registers hostd's metrics and the Go and process collectors.
func New() *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry(), callObs: map[callKey]callObs{}}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "hostd_http_requests_total", Help: "Data-plane requests by route and status code.",
	}, []string{"route", "code"})
	m.reqDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "hostd_http_request_duration_seconds", Help: "Data-plane request latency by route.",
		Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
	}, []string{"route"})
	m.calls = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "hostd_plugin_calls_total",
		Help: "Plugin callback calls by plugin, version, phase and outcome (ok, trap, timeout, memory, stack, busy, overloaded, quarantined, canceled).",
	}, []string{"plugin", "version", "phase", "outcome"})
	m.callDur = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "hostd_plugin_call_duration_seconds", Help: "Plugin callback latency by plugin and phase.",
		Buckets: []float64{.00001, .000025, .00005, .0001, .00025, .0005, .001, .0025, .005, .01, .05, .1, .5, 1},
	}, []string{"plugin", "phase"})
	m.instances = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "hostd_plugin_instances", Help: "Live plugin instances by plugin and version.",
	}, []string{"plugin", "version"})
	m.uploads = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "hostd_plugin_uploads_total", Help: "Plugin uploads by result (created, existing, rejected).",
	}, []string{"result"})
	m.routes = prometheus.NewGauge(prometheus.GaugeOpts{Name: "hostd_routes", Help: "Routes being served."})
	m.swaps = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "hostd_router_swaps_total", Help: "Atomic swaps of the data-plane routing table.",
	})
	m.messages = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "hostd_trigger_messages_total",
		Help: "Messages handled by triggers, by trigger and outcome (ack, nak, term, dead_letter, failed).",
	}, []string{"trigger", "outcome"})
	m.quarantines = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "hostd_plugin_quarantines_total",
		Help: "Quarantines of a plugin version's bindings after repeated failures.",
	}, []string{"plugin", "version"})
	m.reg.MustRegister(m.quarantines, m.messages, m.requests, m.reqDuration, m.calls, m.callDur, m.instances, m.uploads, m.routes, m.swaps,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// Call implements engine.Observer.
func (m *Metrics) Call(plugin string, version int, phase string, d time.Duration, outcome string) {
	k := callKey{plugin, version, phase, outcome}
	m.callMu.RLock()
	o, ok := m.callObs[k]
	m.callMu.RUnlock()
	if !ok {
		o.count = m.calls.WithLabelValues(plugin, strconv.Itoa(version), phase, outcome)
		if phase != "acquire" {
			o.dur = m.callDur.WithLabelValues(plugin, phase)
		}
		m.callMu.Lock()
		m.callObs[k] = o
		m.callMu.Unlock()
	}
	o.count.Inc()
	if o.dur != nil {
		o.dur.Observe(d.Seconds())
	}
}

// CallsOf implements engine.CallBinder: Call for one plugin version,
// with the children of every (phase, outcome) the engine reports cached
// in an array, so a call does not hash its labels.
func (m *Metrics) CallsOf(plugin string, version int) func(phase string, d time.Duration, outcome string) {
	pc := &pluginCalls{m: m, plugin: plugin, version: version}
	return pc.call
}

// The phases and outcomes pluginCalls caches (engine's names); others
// go through Metrics.Call.
var (
	callPhases   = []string{"on_request", "on_response", "on_message", "on_configure", "acquire"}
	callOutcomes = []string{"ok", "trap", "timeout", "memory", "busy", "canceled", "stack", "overloaded", "quarantined"}
)

type pluginCalls struct {
	m       *Metrics
	plugin  string
	version int
	obs     [5][9]atomic.Pointer[callObs]
}

func (pc *pluginCalls) call(phase string, d time.Duration, outcome string) {
	p, o := indexOf(callPhases, phase), indexOf(callOutcomes, outcome)
	if p < 0 || o < 0 {
		pc.m.Call(pc.plugin, pc.version, phase, d, outcome)
		return
	}
	slot := &pc.obs[p][o]
	c := slot.Load()
	if c == nil {
		c = &callObs{count: pc.m.calls.WithLabelValues(pc.plugin, strconv.Itoa(pc.version), phase, outcome)}
		if phase != "acquire" {
			c.dur = pc.m.callDur.WithLabelValues(pc.plugin, phase)
		}
		slot.Store(c)
	}
	c.count.Inc()
	if c.dur != nil {
		c.dur.Observe(d.Seconds())
	}
}

func indexOf(list []string, s string) int {
	for k, x := range list {
		if x == s {
			return k
		}
	}
	return -1
}

// Instances implements engine.Observer.
func (m *Metrics) Instances(plugin string, version int, delta int) {
	m.instances.WithLabelValues(plugin, strconv.Itoa(version)).Add(float64(delta))
}

// Route returns the request observer of one route, with its labels bound
// once so the request path does no label lookups for the histogram.
func (m *Metrics) Route(id string) *RouteObserver {
	return &RouteObserver{m: m, id: id, dur: m.reqDuration.WithLabelValues(id)}
}

// RouteObserver counts one route's requests.
type RouteObserver struct {
	m   *Metrics
	id  string
	dur prometheus.Observer
	// codes caches the request counters of status codes 100 to 599.
	codes [500]atomic.Pointer[counter]
}

type counter struct{ prometheus.Counter }

// Request records one finished request.
func (o *RouteObserver) Request(code int, d time.Duration) {
	o.requests(code).Inc()
	o.dur.Observe(d.Seconds())
}

func (o *RouteObserver) requests(code int) prometheus.Counter {
	if code < 100 || code > 599 {
		return o.m.requests.WithLabelValues(o.id, strconv.Itoa(code))
	}
	slot := &o.codes[code-100]
	if c := slot.Load(); c != nil {
		return c.Counter
	}
	c := &counter{o.m.requests.WithLabelValues(o.id, strconv.Itoa(code))}
	slot.Store(c)
	return c.Counter
}

// TriggerMessage counts one message a trigger handled.
func (m *Metrics) TriggerMessage(trigger, outcome string) {
	m.messages.WithLabelValues(trigger, outcome).Inc()
}

// Upload counts a plugin upload by result.
func (m *Metrics) Upload(result string) { m.uploads.WithLabelValues(result).Inc() }

// Swapped records a routing-table swap serving n routes.
func (m *Metrics) Swapped(n int) {
	m.swaps.Inc()
	m.routes.Set(float64(n))
}
