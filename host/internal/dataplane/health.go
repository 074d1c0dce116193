package dataplane

import (
	"slices"
	"sort"

	"github.com/hostd/hostd/host/internal/engine"
)

// PoolHealth is a pool (one plugin version with one binding
// configuration) that is quarantined or probing, with the routes of the
// current generation that use it.
type PoolHealth struct {
	Plugin  string
	Version int
	engine.Health
	Routes []string
}

// Unhealthy returns the pools of plugin ("" for every plugin) that are not
// healthy, ordered by plugin and version.
func (p *Plane) Unhealthy(plugin string) []PoolHealth {
	g := p.acquire()
	if g != nil {
		defer g.release()
	}
	p.mu.Lock()
	pools := make([]*sharedPool, 0, len(p.pools))
	for _, sp := range p.pools {
		if plugin == "" || sp.key.plugin == plugin {
			pools = append(pools, sp)
		}
	}
	p.mu.Unlock()
	var out []PoolHealth
	for _, sp := range pools {
		h := sp.pool.Health()
		if h.State == engine.HealthOK {
			continue
		}
		ph := PoolHealth{Plugin: sp.key.plugin, Version: sp.key.version, Health: h}
		if g != nil {
			ph.Routes = slices.Clone(g.routesOf[sp])
			sort.Strings(ph.Routes)
		}
		out = append(out, ph)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Plugin != out[j].Plugin {
			return out[i].Plugin < out[j].Plugin
		}
		return out[i].Version < out[j].Version
	})
	return out
}

// Unavailable returns the routes of the current generation that cannot be
// served (they answer 503 route_unavailable) and why.
func (p *Plane) Unavailable() map[string]string {
	g := p.acquire()
	if g == nil {
		return nil
	}
	defer g.release()
	out := make(map[string]string, len(g.Errors))
	for id, err := range g.Errors {
		out[id] = err.Error()
	}
	return out
}
