package hostile

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Sample is one Prometheus sample.
type Sample struct {
	Labels map[string]string
	Value  float64
}

// Metrics are the samples of one scrape of /metrics, by metric name.
type Metrics map[string][]Sample

// Metrics scrapes the admin listener's /metrics.
func (h *Hostd) Metrics() (Metrics, error) {
	r := h.Admin("GET", "/metrics", nil, 2*time.Second)
	if r.Err != nil || r.Status != 200 {
		return nil, fmt.Errorf("hostile: GET /metrics: %s", r)
	}
	return ParseMetrics(string(r.Body)), nil
}

// ParseMetrics parses the Prometheus text format (enough of it for hostd's
// own metrics: no escaped quotes in label values, no timestamps needed).
func ParseMetrics(text string) Metrics {
	m := Metrics{}
	for _, line := range strings.Split(text, "\n") {
		if line == "" || line[0] == '#' {
			continue
		}
		name, rest := line, ""
		labels := map[string]string{}
		if i := strings.IndexByte(line, '{'); i >= 0 {
			j := strings.LastIndexByte(line, '}')
			if j < i {
				continue
			}
			name, rest = line[:i], strings.TrimSpace(line[j+1:])
			for _, kv := range strings.Split(line[i+1:j], ",") {
				k, v, ok := strings.Cut(kv, "=")
				if ok {
					labels[strings.TrimSpace(k)] = strings.Trim(v, `"`)
				}
			}
		} else {
			f := strings.Fields(line)
			if len(f) < 2 {
				continue
			}
			name, rest = f[0], f[1]
		}
		v, err := strconv.ParseFloat(strings.Fields(rest + " x")[0], 64)
		if err != nil {
			continue
		}
		m[name] = append(m[name], Sample{Labels: labels, Value: v})
	}
	return m
}

// Sum adds the samples of name whose labels include match; ok is false when
// the metric does not exist at all.
func (m Metrics) Sum(name string, match map[string]string) (sum float64, ok bool) {
	ss, ok := m[name]
	for _, s := range ss {
		if labelsMatch(s.Labels, match) {
			sum += s.Value
		}
	}
	return sum, ok
}

func labelsMatch(have, want map[string]string) bool {
	for k, v := range want {
		if have[k] != v {
			return false
		}
	}
	return true
}
