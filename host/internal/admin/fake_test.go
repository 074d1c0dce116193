package admin_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/hostd/hostd/host/internal/admin"
	"github.com/hostd/hostd/host/internal/errs"
	"github.com/hostd/hostd/host/internal/model"
)

// fakeControl is an in-memory Control that answers with the errs the real
// host uses: 404 for unknown names, 409 for a plugin in use, 422 for an
// unusable module or an unknown plugin in a route, 400 for a bad template.
type fakeControl struct {
	mu        sync.Mutex
	plugins   map[string]*model.Plugin
	routes    map[string]model.Route
	lastRoute model.Route
	keysets   map[string][]byte // made on first PutKeySet
	trigs     map[string]model.Trigger
	fail      error // when set, every method returns it
	clock     time.Time
}

func newFake() *fakeControl {
	return &fakeControl{
		plugins: map[string]*model.Plugin{},
		routes:  map[string]model.Route{},
		clock:   time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC),
	}
}

func (f *fakeControl) setFail(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fail = err
}

// last returns the route PutRoute last received.
func (f *fakeControl) last() model.Route {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.lastRoute
}

// panicControl panics in Routes, as a buggy host might.
type panicControl struct{ *fakeControl }

func (panicControl) Routes(context.Context) ([]model.Route, error) { panic("host bug: secret detail") }

func (f *fakeControl) UploadPlugin(_ context.Context, name string, wasm []byte, opts admin.UploadOptions) (model.PluginVersion, bool, error) {
	activate := opts.Activate
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return model.PluginVersion{}, false, f.fail
	}
	if len(wasm) == 8 { // a bare header has no exports at all
		return model.PluginVersion{}, false, errs.New(errs.Unprocessable, "abi_mismatch", "module exports no on_request")
	}
	sum := sha256.Sum256(wasm)
	sha := hex.EncodeToString(sum[:])
	p := f.plugins[name]
	if p == nil {
		p = &model.Plugin{Name: name, CreatedAt: f.clock, UpdatedAt: f.clock}
		f.plugins[name] = p
	}
	for _, v := range p.Versions {
		if v.SHA256 == sha {
			return v, false, nil
		}
	}
	v := model.PluginVersion{Name: name, Version: len(p.Versions) + 1, SHA256: sha, Size: int64(len(wasm)), CreatedAt: f.clock}
	p.Versions = append(p.Versions, v)
	if activate {
		p.ActiveVersion = v.Version
	}
	return v, true, nil
}

func (f *fakeControl) Plugins(context.Context) ([]model.Plugin, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return nil, f.fail
	}
	var out []model.Plugin
	for _, p := range f.plugins {
		out = append(out, clonePlugin(p))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func clonePlugin(p *model.Plugin) model.Plugin {
	c := *p
	c.Versions = append([]model.PluginVersion(nil), p.Versions...)
	return c
}

func (f *fakeControl) plugin(name string) (*model.Plugin, error) {
	if f.fail != nil {
		return nil, f.fail
	}
	p := f.plugins[name]
	if p == nil {
		return nil, errs.New(errs.NotFound, "plugin_not_found", "no plugin named %q", name)
	}
	return p, nil
}

func (f *fakeControl) Plugin(_ context.Context, name string) (model.Plugin, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p, err := f.plugin(name)
	if err != nil {
		return model.Plugin{}, err
	}
	return clonePlugin(p), nil
}

func (f *fakeControl) SetActive(_ context.Context, name string, version int) (model.Plugin, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p, err := f.plugin(name)
	if err != nil {
		return model.Plugin{}, err
	}
	if _, ok := p.Version(version); !ok {
		return model.Plugin{}, errs.New(errs.NotFound, "version_not_found", "plugin %q has no version %d", name, version)
	}
	p.ActiveVersion = version
	return clonePlugin(p), nil
}

func (f *fakeControl) DeletePlugin(_ context.Context, name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, err := f.plugin(name); err != nil {
		return err
	}
	for _, r := range f.routes {
		if r.Uses(name) {
			return errs.New(errs.Conflict, "plugin_in_use", "plugin %q is used by route %q", name, r.ID)
		}
	}
	delete(f.plugins, name)
	return nil
}

func (f *fakeControl) PutRoute(_ context.Context, r model.Route) (model.Route, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return model.Route{}, false, f.fail
	}
	f.lastRoute = r
	tmpl := r.Path + r.PathPrefix
	if strings.Count(tmpl, "{") != strings.Count(tmpl, "}") {
		return model.Route{}, false, errs.New(errs.Invalid, "invalid_template", "unbalanced braces in %q", tmpl)
	}
	for _, b := range r.Bindings() {
		if f.plugins[b.Plugin] == nil {
			return model.Route{}, false, errs.New(errs.Unprocessable, "unknown_plugin", "no plugin named %q", b.Plugin)
		}
	}
	old, exists := f.routes[r.ID]
	r.CreatedAt, r.UpdatedAt = f.clock, f.clock
	if exists {
		r.CreatedAt = old.CreatedAt
	}
	f.routes[r.ID] = r
	return r, !exists, nil
}

func (f *fakeControl) Routes(context.Context) ([]model.Route, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return nil, f.fail
	}
	var out []model.Route
	for _, r := range f.routes {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

func (f *fakeControl) Route(_ context.Context, id string) (model.Route, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return model.Route{}, f.fail
	}
	r, ok := f.routes[id]
	if !ok {
		return model.Route{}, errs.New(errs.NotFound, "route_not_found", "no route %q", id)
	}
	return r, nil
}

func (f *fakeControl) DeleteRoute(_ context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return f.fail
	}
	if _, ok := f.routes[id]; !ok {
		return errs.New(errs.NotFound, "route_not_found", "no route %q", id)
	}
	delete(f.routes, id)
	return nil
}
