package host

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/hostd/hostd/host/internal/admin"
	"github.com/hostd/hostd/host/internal/dataplane"
	"github.com/hostd/hostd/host/internal/engine"
	"github.com/hostd/hostd/host/internal/errs"
	"github.com/hostd/hostd/host/internal/model"
	"github.com/hostd/hostd/host/internal/registry"
)

// UploadPlugin implements admin.Control.
func (c *control) UploadPlugin(ctx context.Context, name string, wasm []byte, opts admin.UploadOptions) (model.PluginVersion, bool, error) {
	var v model.PluginVersion
	var created bool
	err := checkBuiltinUpload(name, wasm, opts.ReplaceBuiltin)
	if err == nil {
		v, created, err = c.compileAndUpload(ctx, name, wasm, opts.Activate)
	}
	switch {
	case err != nil:
		c.h.metrics.Upload("rejected")
	case created:
		c.h.metrics.Upload("created")
	default:
		c.h.metrics.Upload("existing")
	}
	return v, created, err
}

// compileAndUpload compiles and probes the module before it takes the
// control-plane lock: both are bounded (compile budget, configure
// timeout), and neither may hold up other admin writes while it runs.
func (c *control) compileAndUpload(ctx context.Context, name string, wasm []byte, activate bool) (model.PluginVersion, bool, error) {
	mod, err := c.h.eng.Compile(ctx, wasm)
	if err != nil {
		return model.PluginVersion{}, false, compileError(err)
	}
	defer mod.Release(ctx)
	if mod.UsesAsyncify() {
		return model.PluginVersion{}, false, errs.New(errs.Invalid, "unsupported_scheduler",
			"the module was built with TinyGo's default asyncify scheduler (it exports asyncify_* functions), which makes every request tens of times slower and grows its memory; rebuild it with -scheduler=none")
	}
	probed := false
	if !c.storedSHA(name, mod.SHA256()) {
		if err := probe(ctx, mod, name); err != nil {
			return model.PluginVersion{}, false, err
		}
		probed = true
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.upload(ctx, name, wasm, activate, mod, probed)
}

// storedSHA reports whether plugin name already has a version with sha.
func (c *control) storedSHA(name, sha string) bool {
	p, err := c.h.reg.Plugin(name)
	return err == nil && slices.ContainsFunc(p.Versions, func(v model.PluginVersion) bool { return v.SHA256 == sha })
}

// probe instantiates the module once to prove that it starts.
func probe(ctx context.Context, mod *engine.Module, name string) error {
	if err := mod.Probe(ctx, name); err != nil {
		if errors.Is(err, engine.ErrOverloaded) {
			return errs.Wrap(err, errs.Unavailable, "host_overloaded",
				"hostd has no plugin capacity left to start the plugin (limits.max_total_instances, limits.max_total_memory_bytes); retry later")
		}
		if errors.Is(err, engine.ErrTimeout) {
			return errs.Wrap(err, errs.Unprocessable, "plugin_start_timeout",
				"the plugin did not start (instantiate and _initialize) within the configure timeout")
		}
		return errs.Wrap(err, errs.Unprocessable, "plugin_start_failed",
			"the plugin failed to start (instantiate and _initialize)")
	}
	return nil
}

func (c *control) upload(ctx context.Context, name string, wasm []byte, activate bool, mod *engine.Module, probed bool) (model.PluginVersion, bool, error) {
	st, err := c.h.reg.State()
	if err != nil {
		return model.PluginVersion{}, false, err
	}
	p, exists := st.Plugins[name]
	if exists {
		if i := slices.IndexFunc(p.Versions, func(v model.PluginVersion) bool { return v.SHA256 == mod.SHA256() }); i >= 0 {
			v := p.Versions[i]
			if activate && p.ActiveVersion != v.Version {
				_, err = c.setActive(ctx, name, v.Version)
			}
			return v, false, err
		}
	}
	if !probed { // stored concurrently, then deleted: rare
		if err := probe(ctx, mod, name); err != nil {
			return model.PluginVersion{}, false, err
		}
	}
	next, err := c.h.reg.NextVersion(name)
	if err != nil {
		return model.PluginVersion{}, false, err
	}
	activates := activate || !exists
	var gen *dataplane.Generation
	if activates && exists {
		p.Versions = append(slices.Clone(p.Versions), model.PluginVersion{Name: name, Version: next, SHA256: mod.SHA256()})
		p.ActiveVersion = next
		st.Plugins[name] = p
		if gen, err = c.build(ctx, st, usesPlugin(name, true)); err != nil {
			return model.PluginVersion{}, false, err
		}
	}
	v, created, err := c.h.reg.AddVersion(name, wasm, activates)
	if err == nil && v.Version != next {
		err = fmt.Errorf("host: stored version %d, expected %d", v.Version, next)
	}
	if gen != nil {
		if err != nil {
			gen.Discard()
		} else {
			c.h.plane.Swap(gen)
		}
	}
	if err != nil {
		return model.PluginVersion{}, false, err
	}
	if activates && exists {
		c.syncTriggers(ctx)
	}
	c.h.log.Info("plugin uploaded", "plugin", name, "version", v.Version, "sha256", v.SHA256, "size", v.Size, "active", activates)
	c.publish(ctx, registry.RecordPlugin, name)
	c.h.event("plugin.uploaded", map[string]any{"plugin": name, "version": v.Version, "sha256": v.SHA256, "size": v.Size, "active": activates})
	return v, created, nil
}

// Plugins implements admin.Control.
func (c *control) Plugins(context.Context) ([]model.Plugin, error) { return c.h.reg.Plugins() }

// Plugin implements admin.Control.
func (c *control) Plugin(_ context.Context, name string) (model.Plugin, error) {
	return c.h.reg.Plugin(name)
}

// SetActive implements admin.Control.
func (c *control) SetActive(ctx context.Context, name string, version int) (model.Plugin, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.setActive(ctx, name, version)
}

func (c *control) setActive(ctx context.Context, name string, version int) (model.Plugin, error) {
	st, err := c.h.reg.State()
	if err != nil {
		return model.Plugin{}, err
	}
	p, ok := st.Plugins[name]
	if !ok {
		return model.Plugin{}, errs.New(errs.NotFound, "plugin_not_found", "plugin %q does not exist", name)
	}
	if _, ok := p.Version(version); !ok {
		return model.Plugin{}, errs.New(errs.NotFound, "version_not_found", "plugin %q has no version %d", name, version)
	}
	p.ActiveVersion = version
	st.Plugins[name] = p
	gen, err := c.build(ctx, st, usesPlugin(name, true))
	if err != nil {
		return model.Plugin{}, err
	}
	out, err := c.h.reg.SetActive(name, version)
	if err != nil {
		gen.Discard()
		return model.Plugin{}, err
	}
	c.h.plane.Swap(gen)
	c.syncTriggers(ctx)
	c.h.log.Info("plugin activated", "plugin", name, "version", version)
	c.publish(ctx, registry.RecordPlugin, name)
	c.h.event("plugin.activated", map[string]any{"plugin": name, "version": version})
	return out, nil
}

// DeletePlugin implements admin.Control.
func (c *control) DeletePlugin(_ context.Context, name string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.h.reg.DeletePlugin(name); err != nil {
		return err
	}
	c.h.log.Info("plugin deleted", "plugin", name)
	c.publish(context.Background(), registry.RecordPlugin, name)
	c.h.event("plugin.deleted", map[string]any{"plugin": name})
	return nil
}

// PutRoute implements admin.Control.
func (c *control) PutRoute(ctx context.Context, rt model.Route) (model.Route, bool, error) {
	if err := validateRoute(rt); err != nil {
		return model.Route{}, false, err
	}
	defer c.preload(ctx, rt.Bindings())()
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, b := range rt.Bindings() {
		for _, ks := range b.KeySets {
			if !c.h.keys.has(ks) {
				return model.Route{}, false, errs.New(errs.Unprocessable, "unknown_keyset",
					"route %q: the binding of plugin %q is granted key set %q, which does not exist; create it with PUT /v1/keysets/%s",
					rt.ID, b.Plugin, ks, ks)
			}
		}
	}
	st, err := c.h.reg.State()
	if err != nil {
		return model.Route{}, false, err
	}
	i := slices.IndexFunc(st.Routes, func(r model.Route) bool { return r.ID == rt.ID })
	st.Routes = slices.Clone(st.Routes)
	if i >= 0 {
		st.Routes[i] = rt
	} else {
		st.Routes = append(st.Routes, rt)
	}
	gen, err := c.build(ctx, st, func(r model.Route) bool { return r.ID == rt.ID })
	if err != nil {
		return model.Route{}, false, err
	}
	stored, created, err := c.h.reg.PutRoute(rt)
	if err != nil {
		gen.Discard()
		return model.Route{}, false, err
	}
	c.h.plane.Swap(gen)
	c.h.log.Info("route stored", "route", rt.ID, "created", created)
	c.publish(ctx, registry.RecordRoute, rt.ID)
	c.h.event("route.changed", map[string]any{"route": rt.ID, "created": created})
	return stored, created, nil
}

// preload compiles the modules bindings use, before the caller takes the
// control-plane lock, so that a compile (bounded by its budget, but up to
// seconds for a big module whose code is not cached) does not hold up
// other writers. It returns the release of the references it took;
// problems are left for the locked path to report.
func (c *control) preload(ctx context.Context, bindings []model.Binding) func() {
	st, err := c.h.reg.State()
	if err != nil {
		return func() {}
	}
	var mods []*engine.Module
	for _, b := range bindings {
		rb, err := resolveBinding(st, b)
		if err != nil {
			continue
		}
		if m, err := c.h.eng.Load(ctx, rb.SHA256, c.h.reg.Wasm); err == nil {
			mods = append(mods, m)
		}
	}
	return func() {
		for _, m := range mods {
			m.Release(ctx)
		}
	}
}

// Routes implements admin.Control.
func (c *control) Routes(context.Context) ([]model.Route, error) { return c.h.reg.Routes() }

// Route implements admin.Control.
func (c *control) Route(_ context.Context, id string) (model.Route, error) { return c.h.reg.Route(id) }

// DeleteRoute implements admin.Control.
func (c *control) DeleteRoute(ctx context.Context, id string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.h.reg.DeleteRoute(id); err != nil {
		return err
	}
	st, err := c.h.reg.State()
	if err != nil {
		return err
	}
	gen, _ := c.build(ctx, st, func(model.Route) bool { return false })
	c.h.plane.Swap(gen)
	c.h.log.Info("route deleted", "route", id)
	c.publish(ctx, registry.RecordRoute, id)
	c.h.event("route.deleted", map[string]any{"route": id})
	return nil
}
