package metrics

import (
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
)

// Quarantined implements engine.Observer: it counts quarantines.
func (m *Metrics) Quarantined(plugin string, version int) {
	m.quarantines.WithLabelValues(plugin, strconv.Itoa(version)).Inc()
}

// Quarantine is one quarantined plugin version as the metrics see it.
type Quarantine struct {
	Plugin  string
	Version int
	Pools   int // quarantined bindings (pools) of the version
}

// Capacity is the engine-wide budget and its use.
type Capacity struct {
	Instances, MaxInstances int64
	MemoryBytes, MaxMemory  int64
}

// WatchSandbox exports, read at every scrape, hostd_plugin_quarantined
// {plugin,version} (quarantined bindings) from quarantined and the
// engine's budget from capacity: hostd_engine_instances,
// hostd_engine_instances_limit, hostd_engine_memory_bytes and
// hostd_engine_memory_limit_bytes.
func (m *Metrics) WatchSandbox(quarantined func() []Quarantine, capacity func() Capacity) {
	m.reg.MustRegister(&sandboxCollector{quarantined: quarantined, capacity: capacity,
		q: prometheus.NewDesc("hostd_plugin_quarantined",
			"Bindings (pools) of a plugin version that are quarantined after repeated failures.",
			[]string{"plugin", "version"}, nil),
		inst: prometheus.NewDesc("hostd_engine_instances", "Live plugin instances of all plugins.", nil, nil),
		instMax: prometheus.NewDesc("hostd_engine_instances_limit",
			"The limit on live plugin instances of all plugins (limits.max_total_instances).", nil, nil),
		mem: prometheus.NewDesc("hostd_engine_memory_bytes",
			"Guest memory of all plugin instances (linear memories and grown call stacks).", nil, nil),
		memMax: prometheus.NewDesc("hostd_engine_memory_limit_bytes",
			"The limit on guest memory of all plugin instances (limits.max_total_memory_bytes).", nil, nil),
	})
}

type sandboxCollector struct {
	quarantined                   func() []Quarantine
	capacity                      func() Capacity
	q, inst, instMax, mem, memMax *prometheus.Desc
}

func (c *sandboxCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.q, c.inst, c.instMax, c.mem, c.memMax} {
		ch <- d
	}
}

func (c *sandboxCollector) Collect(ch chan<- prometheus.Metric) {
	for _, q := range c.quarantined() {
		ch <- prometheus.MustNewConstMetric(c.q, prometheus.GaugeValue, float64(q.Pools), q.Plugin, strconv.Itoa(q.Version))
	}
	cp := c.capacity()
	ch <- prometheus.MustNewConstMetric(c.inst, prometheus.GaugeValue, float64(cp.Instances))
	ch <- prometheus.MustNewConstMetric(c.instMax, prometheus.GaugeValue, float64(cp.MaxInstances))
	ch <- prometheus.MustNewConstMetric(c.mem, prometheus.GaugeValue, float64(cp.MemoryBytes))
	ch <- prometheus.MustNewConstMetric(c.memMax, prometheus.GaugeValue, float64(cp.MaxMemory))
}
