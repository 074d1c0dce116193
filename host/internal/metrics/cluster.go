package metrics

import "github.com/prometheus/client_golang/prometheus"

// WatchCluster exports hostd_cluster_records_rejected_total{reason}: the
// replicated control-plane records this node refused to apply because
// their origin could not be verified, read from rejected at every scrape.
func (m *Metrics) WatchCluster(rejected func() map[string]uint64) {
	m.reg.MustRegister(&clusterCollector{rejected: rejected,
		desc: prometheus.NewDesc("hostd_cluster_records_rejected_total",
			"Replicated records not applied because they are not sealed with the cluster key, by reason.",
			[]string{"reason"}, nil)})
}

type clusterCollector struct {
	rejected func() map[string]uint64
	desc     *prometheus.Desc
}

func (c *clusterCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *clusterCollector) Collect(ch chan<- prometheus.Metric) {
	for reason, n := range c.rejected() {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.CounterValue, float64(n), reason)
	}
}
