package host

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"

	"github.com/hostd/hostd/host/internal/admin"
	"github.com/hostd/hostd/host/internal/dataplane"
	"github.com/hostd/hostd/host/internal/engine"
	"github.com/hostd/hostd/host/internal/errs"
	"github.com/hostd/hostd/host/internal/model"
	"github.com/hostd/hostd/host/internal/registry"
	"github.com/hostd/hostd/host/internal/router"
)

// control is the control plane: validate → build → store → swap. One writer
// at a time (mu), so the state a candidate generation is built from is the
// state that gets stored. Any failure before the store leaves the registry
// and the served generation as they were.
type control struct {
	h  *Host
	mu sync.Mutex
}

// load builds the first generation from the stored state. Broken routes are
// logged and answer 503; they do not stop the host.
func (c *control) load(ctx context.Context) error {
	st, err := c.h.reg.State()
	if err != nil {
		return fmt.Errorf("host: load state: %w", err)
	}
	c.h.kv.setScopes(c.h.reg)
	inputs, bad := resolve(st)
	defer c.loadModules(ctx, inputs)()
	gen := c.h.plane.Build(ctx, inputs)
	for id, err := range bad {
		gen.Errors[id] = err
		c.h.log.Error("route unavailable", "route", id, "error", err)
	}
	c.h.plane.Swap(gen)
	c.h.log.Info("routes loaded", "routes", len(st.Routes), "plugins", len(st.Plugins), "unavailable", len(gen.Errors))
	return nil
}

// loadModules compiles (from the compilation cache, after a restart) the
// distinct modules the routes use, GOMAXPROCS at a time, before the data
// plane builds the routes one by one and finds them compiled: loading a
// Go-built module (parse, instrument, verify and map its cached code) is
// ≈0.1–0.2 s of CPU, so twenty of them one after the other were most of a
// restart. Compiles of code not in the cache stay bounded by the engine's
// compile slots. It returns the release of the references it took;
// failures are left for the build to report on the routes concerned.
func (c *control) loadModules(ctx context.Context, inputs []dataplane.RouteInput) func() {
	seen := map[string]bool{}
	var shas []string
	for _, in := range inputs {
		for _, b := range in.Bindings {
			if !seen[b.SHA256] {
				seen[b.SHA256] = true
				shas = append(shas, b.SHA256)
			}
		}
	}
	mods := make([]*engine.Module, len(shas))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(shas)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if m, err := c.h.eng.Load(ctx, shas[i], c.h.reg.Wasm); err == nil {
					mods[i] = m
				}
			}
		}()
	}
	for i := range shas {
		next <- i
	}
	close(next)
	wg.Wait()
	return func() {
		for _, m := range mods {
			if m != nil {
				m.Release(ctx)
			}
		}
	}
}

// resolve turns routes into data-plane inputs, looking up the version each
// binding uses. Routes whose plugins cannot be resolved are returned in bad.
func resolve(st registry.State) ([]dataplane.RouteInput, map[string]error) {
	var out []dataplane.RouteInput
	bad := map[string]error{}
	for _, rt := range st.Routes {
		in := dataplane.RouteInput{Route: rt}
		for _, b := range rt.Bindings() {
			rb, err := resolveBinding(st, b)
			if err != nil {
				bad[rt.ID] = err
				break
			}
			in.Bindings = append(in.Bindings, rb)
		}
		if bad[rt.ID] == nil {
			out = append(out, in)
		}
	}
	return out, bad
}

func resolveBinding(st registry.State, b model.Binding) (dataplane.ResolvedBinding, error) {
	p, ok := st.Plugins[b.Plugin]
	if !ok {
		return dataplane.ResolvedBinding{}, errs.New(errs.Unprocessable, "unknown_plugin",
			"plugin %q does not exist; upload it first with PUT /v1/plugins/%s", b.Plugin, b.Plugin)
	}
	n := b.Version
	if n == 0 {
		n = p.ActiveVersion
	}
	v, ok := p.Version(n)
	if !ok {
		return dataplane.ResolvedBinding{}, errs.New(errs.Unprocessable, "unknown_version",
			"plugin %q has no version %d", b.Plugin, n)
	}
	cfg := []byte(b.Config)
	if len(cfg) == 0 {
		cfg = []byte("{}")
	}
	return dataplane.ResolvedBinding{Plugin: b.Plugin, Version: n, SHA256: v.SHA256, Config: cfg,
		FailOpen: b.FailsOpen(), Grants: engineGrants(b.Grants), KeySets: b.KeySets}, nil
}

// build builds a candidate generation for st and checks that none of the
// routes in affected failed. The caller must Swap or Discard it.
func (c *control) build(ctx context.Context, st registry.State, affected func(model.Route) bool) (*dataplane.Generation, error) {
	inputs, bad := resolve(st)
	for _, rt := range st.Routes {
		if err, ok := bad[rt.ID]; ok && affected(rt) {
			return nil, err
		}
	}
	gen := c.h.plane.Build(ctx, inputs)
	for _, rt := range st.Routes {
		if err, ok := gen.Errors[rt.ID]; ok && affected(rt) {
			gen.Discard()
			return nil, bindingError(rt.ID, err)
		}
	}
	return gen, nil
}

// bindingError explains why a route could not be served with its plugins.
func bindingError(routeID string, err error) error {
	switch {
	case errors.Is(err, engine.ErrConfigRejected):
		return errs.Wrap(err, errs.Unprocessable, "config_rejected",
			"route %q: a plugin rejected its configuration (the plugin's log lines say why)", routeID)
	case errors.As(err, new(*engine.ABIError)):
		var abiErr *engine.ABIError
		errors.As(err, &abiErr)
		if code, ok := budgetCode(abiErr); ok {
			return errs.Wrap(err, errs.Unprocessable, code, "route %q: a plugin cannot be loaded: %s", routeID, abiErr.Reason)
		}
		return errs.Wrap(err, errs.Unprocessable, "abi_mismatch",
			"route %q: a plugin is not a usable hostd ABI v1 module: %s", routeID, abiErr.Reason)
	case errors.Is(err, engine.ErrTimeout):
		return errs.Wrap(err, errs.Unprocessable, "plugin_start_timeout",
			"route %q: a plugin did not start and configure within the configure timeout", routeID)
	case errors.Is(err, engine.ErrOverloaded):
		return errs.Wrap(err, errs.Unavailable, "host_overloaded",
			"route %q: hostd has no plugin capacity left to start its plugins (limits.max_total_instances, limits.max_total_memory_bytes); retry later", routeID)
	}
	return errs.Wrap(err, errs.Unprocessable, "plugin_start_failed",
		"route %q: a plugin failed to start with this configuration", routeID)
}

func usesPlugin(name string, unpinnedOnly bool) func(model.Route) bool {
	return func(rt model.Route) bool {
		for _, b := range rt.Bindings() {
			if b.Plugin == name && (!unpinnedOnly || b.Version == 0) {
				return true
			}
		}
		return false
	}
}

// compileError maps an engine compile error to an API error.
func compileError(err error) error {
	var abiErr *engine.ABIError
	if errors.As(err, &abiErr) {
		if abiErr.NotWasm {
			return errs.Wrap(err, errs.Invalid, "not_wasm", "the upload is not a WebAssembly module")
		}
		if code, ok := budgetCode(abiErr); ok {
			return errs.New(errs.Unprocessable, code, "the module is refused: %s", abiErr.Reason)
		}
		return errs.New(errs.Unprocessable, "abi_mismatch",
			"the module is not a usable hostd ABI v1 plugin: %s", abiErr.Reason)
	}
	return fmt.Errorf("host: compile: %w", err)
}

// budgetCode is the API code of a module refused for its size or its
// compile cost rather than its ABI.
func budgetCode(e *engine.ABIError) (string, bool) {
	switch {
	case e.OverLimit:
		return "module_over_limit", true
	case e.Budget:
		return "compile_budget_exceeded", true
	}
	return "", false
}

var _ admin.Control = (*control)(nil)

// validateRoute checks what the registry cannot: the route's patterns and
// its upstream or nats target.
func validateRoute(rt model.Route) error {
	spec := router.Spec{ID: rt.ID, Host: rt.Host, Path: rt.Path, PathPrefix: rt.PathPrefix, Methods: rt.Methods}
	if err := router.Validate(spec); err != nil {
		return errs.Wrap(err, errs.Invalid, "invalid_route", "route %q: invalid path or host pattern", rt.ID)
	}
	if rt.Upstream != nil {
		if _, err := dataplane.UpstreamConfig(rt.Upstream); err != nil {
			return errs.New(errs.Invalid, "invalid_upstream", "route %q: %v", rt.ID, err)
		}
	}
	if rt.NATS != nil {
		if _, err := dataplane.ValidateNATS(rt.NATS); err != nil {
			return errs.New(errs.Invalid, "invalid_nats_target", "route %q: %v", rt.ID, err)
		}
	}
	return nil
}

// engineGrants converts a binding's grants for the engine.
func engineGrants(g *model.Grants) engine.Grants {
	if g == nil {
		return engine.Grants{}
	}
	return engine.Grants{Publish: g.Publish, Request: g.Request}
}
