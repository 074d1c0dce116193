package metrics

import "github.com/prometheus/client_golang/prometheus"

// Listener is one listener's connection count and cap.
type Listener struct {
	Name      string // "data" or "admin"
	Open, Max int
}

// WatchConnections exports hostd_connections_open and
// hostd_connections_max per listener, read from list at each scrape.
func (m *Metrics) WatchConnections(list func() []Listener) {
	m.reg.MustRegister(&connCollector{list: list,
		open: prometheus.NewDesc("hostd_connections_open", "Connections accepted and not closed yet.", []string{"listener"}, nil),
		max:  prometheus.NewDesc("hostd_connections_max", "The listener's connection cap (server.max_connections).", []string{"listener"}, nil),
	})
}

type connCollector struct {
	list      func() []Listener
	open, max *prometheus.Desc
}

func (c *connCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.open; ch <- c.max }

func (c *connCollector) Collect(ch chan<- prometheus.Metric) {
	for _, l := range c.list() {
		ch <- prometheus.MustNewConstMetric(c.open, prometheus.GaugeValue, float64(l.Open), l.Name)
		ch <- prometheus.MustNewConstMetric(c.max, prometheus.GaugeValue, float64(l.Max), l.Name)
	}
}
