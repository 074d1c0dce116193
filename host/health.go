package host

import (
	"context"
	"sort"

	"github.com/hostd/hostd/host/internal/metrics"
	"github.com/hostd/hostd/host/internal/model"
)

// PluginHealth implements admin.Control: the plugin's route bindings and
// triggers that are quarantined or probing on this node.
func (c *control) PluginHealth(_ context.Context, name string) []model.PoolHealth {
	var out []model.PoolHealth
	for _, ph := range c.h.plane.Unhealthy(name) {
		out = append(out, model.PoolHealth{Version: ph.Version, State: ph.State, Failures: ph.Failures,
			Quarantines: ph.Quarantines, Until: ph.Until.UTC(), Reason: ph.Reason, Routes: ph.Routes})
	}
	if c.h.trig != nil {
		for _, th := range c.h.trig.Unhealthy(name) {
			out = append(out, model.PoolHealth{Version: th.Version, State: th.State, Failures: th.Failures,
				Quarantines: th.Quarantines, Until: th.Until.UTC(), Reason: th.Reason, Triggers: []string{th.Trigger}})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	return out
}

// quarantinedMetrics counts the quarantined bindings per plugin version,
// for hostd_plugin_quarantined.
func (h *Host) quarantinedMetrics() []metrics.Quarantine {
	type pv struct {
		plugin  string
		version int
	}
	n := map[pv]int{}
	for _, ph := range h.plane.Unhealthy("") {
		n[pv{ph.Plugin, ph.Version}]++
	}
	if h.trig != nil {
		for _, th := range h.trig.Unhealthy("") {
			n[pv{th.Plugin, th.Version}]++
		}
	}
	out := make([]metrics.Quarantine, 0, len(n))
	for k, v := range n {
		out = append(out, metrics.Quarantine{Plugin: k.plugin, Version: k.version, Pools: v})
	}
	return out
}

// capacityMetrics reports the engine's budget, for hostd_engine_*.
func (h *Host) capacityMetrics() metrics.Capacity {
	c := h.eng.Capacity()
	return metrics.Capacity{Instances: c.Instances, MaxInstances: c.MaxInstances,
		MemoryBytes: c.MemoryBytes, MaxMemory: c.MaxMemoryBytes}
}
