package dataplane

import (
	"context"
	"fmt"
	"net/http"

	"github.com/hostd/hostd/host/internal/router"
	"golang.org/x/time/rate"
)

// Build creates a generation for routes. It never fails as a whole: a route
// whose template is invalid or whose plugins cannot be configured is
// recorded in Generation.Errors and answers 503, so that one broken route
// cannot take the others down (the control plane refuses changes that would
// break the route they touch; this tolerance is for state loaded at start).
// The caller must Swap or Discard the result.
func (p *Plane) Build(ctx context.Context, routes []RouteInput) *Generation {
	g := &Generation{p: p, Errors: map[string]error{}, routesOf: map[*sharedPool][]string{}}
	g.refs.Store(1)
	usedUpstreams := map[string]bool{}
	defer p.keepUpstreams(usedUpstreams)
	specs := make([]router.Spec, 0, len(routes))
	for _, in := range routes {
		rt := in.Route
		spec := router.Spec{ID: rt.ID, Priority: rt.Priority, Host: rt.Host, Path: rt.Path,
			PathPrefix: rt.PathPrefix, Methods: rt.Methods}
		if err := router.Validate(spec); err != nil {
			g.Errors[rt.ID] = fmt.Errorf("invalid route pattern: %w", err)
			continue
		}
		h, err := p.buildRoute(ctx, g, in, usedUpstreams)
		if err != nil {
			g.Errors[rt.ID] = err
			h = unavailable(rt.ID, err)
			p.log.Error("route unavailable", "route", rt.ID, "error", err)
		}
		spec.Handler = h
		specs = append(specs, spec)
	}
	h, err := router.Build(specs, router.Options{
		NotFound:         http.HandlerFunc(notFound),
		MethodNotAllowed: http.HandlerFunc(methodNotAllowed),
	})
	if err != nil { // cannot happen: every spec was validated above
		h = unavailable("*", err)
	}
	g.handler = h
	g.Routes = len(specs)
	return g
}

func (p *Plane) buildRoute(ctx context.Context, g *Generation, in RouteInput, used map[string]bool) (http.Handler, error) {
	rt := &route{id: in.Route.ID, p: p, logl: rate.NewLimiter(10, 20), maxBody: p.cfg.MaxBodyBytes}
	if n := in.Route.MaxBodyBytes; n > 0 && n < rt.maxBody {
		rt.maxBody = n
	}
	if p.cfg.Metrics != nil {
		rt.obs = p.cfg.Metrics.Route(in.Route.ID)
	}
	if m := in.Route.Upstream; m != nil {
		u, key, err := p.upstreamFor(m)
		if err != nil {
			return nil, err
		}
		rt.up, used[key] = u, true
	}
	if m := in.Route.NATS; m != nil {
		t, err := p.natsTargetFor(m)
		if err != nil {
			return nil, err
		}
		rt.nats = t
	}
	for _, b := range in.Bindings {
		sp, err := p.pool(ctx, b)
		if err != nil {
			return nil, fmt.Errorf("plugin %s version %d: %w", b.Plugin, b.Version, err)
		}
		g.pools = append(g.pools, sp)
		g.routesOf[sp] = append(g.routesOf[sp], in.Route.ID)
		rt.chain = append(rt.chain, element{pool: sp.pool, failOpen: b.FailOpen})
		rt.readsBody = rt.readsBody || sp.pool.Module().ReadsRequestBody()
	}
	return rt, nil
}

func unavailable(id string, err error) http.Handler {
	// A VarsHandler, so that the router's index keeps deciding the routes
	// around it.
	return router.VarsHandlerFunc(func(w http.ResponseWriter, r *http.Request, _ map[string]string) {
		writeError(w, r, http.StatusServiceUnavailable, "route_unavailable",
			"route "+id+" cannot be served; an operator must fix it (see the hostd log)")
	})
}

func notFound(w http.ResponseWriter, r *http.Request) {
	writeError(w, r, http.StatusNotFound, "no_route", "no route matches "+r.Method+" "+r.URL.Path)
}

func methodNotAllowed(w http.ResponseWriter, r *http.Request) {
	writeError(w, r, http.StatusMethodNotAllowed, "method_not_allowed", "the route does not accept "+r.Method)
}
