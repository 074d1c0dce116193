package admin_test

import (
	"context"
	"github.com/hostd/hostd/host/internal/errs"
	"github.com/hostd/hostd/host/internal/model"
)

// triggers returns the fake's triggers; f.mu must be held.
func (f *fakeControl) triggers() map[string]model.Trigger {
	if f.trigs == nil {
		f.trigs = map[string]model.Trigger{}
	}
	return f.trigs
}

func (f *fakeControl) PutTrigger(_ context.Context, t model.Trigger) (model.Trigger, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return model.Trigger{}, false, f.fail
	}
	if _, ok := f.plugins[t.Plugin]; !ok {
		return model.Trigger{}, false, errs.New(errs.Unprocessable, "unknown_plugin", "no plugin %q", t.Plugin)
	}
	_, existed := f.triggers()[t.ID]
	t.CreatedAt, t.UpdatedAt = f.clock, f.clock
	f.triggers()[t.ID] = t
	return t, !existed, nil
}

func (f *fakeControl) Triggers(context.Context) ([]model.Trigger, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []model.Trigger
	for _, t := range f.triggers() {
		out = append(out, t)
	}
	return out, f.fail
}

func (f *fakeControl) Trigger(_ context.Context, id string) (model.Trigger, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	t, ok := f.triggers()[id]
	if !ok {
		return model.Trigger{}, errs.New(errs.NotFound, "trigger_not_found", "no trigger %q", id)
	}
	return t, nil
}

func (f *fakeControl) DeleteTrigger(_ context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.triggers()[id]; !ok {
		return errs.New(errs.NotFound, "trigger_not_found", "no trigger %q", id)
	}
	delete(f.triggers(), id)
	return nil
}

func (f *fakeControl) SetKV(_ context.Context, name string, s model.KVSettings) (model.Plugin, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p, ok := f.plugins[name]
	if !ok {
		return model.Plugin{}, errs.New(errs.NotFound, "plugin_not_found", "no plugin %q", name)
	}
	if s.Scope != nil {
		p.KVScope = *s.Scope
		if p.KVScope == model.KVScopeNode {
			p.KVScope = ""
		}
	}
	if s.MaxKeys != nil {
		p.KVMaxKeys = *s.MaxKeys
	}
	if s.MaxBytes != nil {
		p.KVMaxBytes = *s.MaxBytes
	}
	return *p, nil
}

// PluginHealth reports no quarantined binding.
func (f *fakeControl) PluginHealth(context.Context, string) []model.PoolHealth { return nil }

// PluginKV reports 3 keys of 120 bytes and the plugin's limits, defaulting
// to 100 keys and 1000 bytes.
func (f *fakeControl) PluginKV(_ context.Context, name string) (model.KVUsage, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p, ok := f.plugins[name]
	if !ok {
		return model.KVUsage{}, errs.New(errs.NotFound, "plugin_not_found", "no plugin %q", name)
	}
	u := model.KVUsage{Scope: model.KVScopeNode, Keys: 3, Bytes: 120, MaxKeys: 100, MaxBytes: 1000}
	if p.KVScope != "" {
		u.Scope = p.KVScope
	}
	if p.KVMaxKeys > 0 {
		u.MaxKeys = p.KVMaxKeys
	}
	if p.KVMaxBytes > 0 {
		u.MaxBytes = p.KVMaxBytes
	}
	return u, nil
}

func (f *fakeControl) Cluster(context.Context) (model.ClusterStatus, error) {
	return model.ClusterStatus{Enabled: true, Node: "n1", Nodes: 3, Synced: true}, nil
}
