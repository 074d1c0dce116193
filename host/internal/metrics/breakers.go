package metrics

import "github.com/prometheus/client_golang/prometheus"

// BreakerState is one breaker as the metrics see it.
type BreakerState struct {
	Name     string
	State    int // 0 closed, 1 open, 2 half-open (abi.BreakerState)
	Requests int64
	Failures int64
}

// WatchBreakers exports hostd_breaker_state{name} and the window counts,
// read from list at every scrape.
func (m *Metrics) WatchBreakers(list func() []BreakerState) {
	m.reg.MustRegister(&breakerCollector{list: list,
		state: prometheus.NewDesc("hostd_breaker_state",
			"Circuit breaker state: 0 closed, 1 open, 2 half-open.", []string{"name"}, nil),
		requests: prometheus.NewDesc("hostd_breaker_window_requests",
			"Outcomes counted in the breaker's current window.", []string{"name"}, nil),
		failures: prometheus.NewDesc("hostd_breaker_window_failures",
			"Failures counted in the breaker's current window.", []string{"name"}, nil),
	})
}

type breakerCollector struct {
	list                      func() []BreakerState
	state, requests, failures *prometheus.Desc
}

func (c *breakerCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.state
	ch <- c.requests
	ch <- c.failures
}

func (c *breakerCollector) Collect(ch chan<- prometheus.Metric) {
	for _, b := range c.list() {
		ch <- prometheus.MustNewConstMetric(c.state, prometheus.GaugeValue, float64(b.State), b.Name)
		ch <- prometheus.MustNewConstMetric(c.requests, prometheus.GaugeValue, float64(b.Requests), b.Name)
		ch <- prometheus.MustNewConstMetric(c.failures, prometheus.GaugeValue, float64(b.Failures), b.Name)
	}
}
