// Package dataplane serves the routes: it owns the routing-table generations
// (built from the registry's state, swapped atomically, retired when their
// last request finishes) and runs each route's filter chain and handler on
// pooled plugin instances.
//
// # Concurrency
//
// Plane is safe for concurrent use. Build, Swap and Discard are called by
// one control-plane writer at a time; ServeHTTP by any number of requests.
// A request holds a reference to the generation it started on, so the pools
// of a retired generation are closed only after its last request returns:
// a swap never fails an in-flight request.
package dataplane

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hostd/hostd/host/internal/engine"
	"github.com/hostd/hostd/host/internal/metrics"
	"github.com/hostd/hostd/host/internal/model"
	"github.com/hostd/hostd/host/internal/upstream"
)

// Config wires a Plane.
type Config struct {
	Engine *engine.Engine
	// Wasm loads a module's bytes by sha256 when the engine has not
	// compiled it yet.
	Wasm    func(sha string) ([]byte, error)
	Metrics *metrics.Metrics
	Logger  *slog.Logger
	// MaxBodyBytes bounds request bodies (413 beyond). Default 8 MiB.
	MaxBodyBytes int64
	// BodyReadTimeout bounds reading the request body of a route whose
	// plugins may read it (408 body_timeout beyond). Default 10 s.
	BodyReadTimeout time.Duration
	// NATS sends the requests of routes with a nats target. Nil makes
	// such routes unavailable (503 route_unavailable).
	NATS Requester
	// Client says which client headers survive the edge (ClientPolicy).
	Client ClientPolicy
}

// Plane is the data plane's HTTP handler.
type Plane struct {
	cfg Config
	log *slog.Logger
	cur atomic.Pointer[Generation]
	ids requestIDs

	mu        sync.Mutex
	pools     map[poolKey]*sharedPool
	upstreams map[string]*upstream.Upstream // by JSON of model.Upstream
}

// New returns a Plane that answers 503 until the first Swap.
func New(cfg Config) *Plane {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = 8 << 20
	}
	if cfg.BodyReadTimeout <= 0 {
		cfg.BodyReadTimeout = defaultBodyReadTimeout
	}
	return &Plane{cfg: cfg, log: cfg.Logger, pools: map[poolKey]*sharedPool{}, ids: newRequestIDs(),
		upstreams: map[string]*upstream.Upstream{}}
}

// ResolvedBinding is a binding whose plugin version has been looked up.
type ResolvedBinding struct {
	Plugin  string
	Version int
	SHA256  string
	Config  []byte
	// FailOpen skips this filter instead of failing the request when the
	// plugin itself fails.
	FailOpen bool
	// Grants are the subjects the plugin may publish to and request.
	Grants engine.Grants
	// KeySets are the key sets the plugin may verify tokens with.
	KeySets []string
}

// engineBinding is what the engine's pool for b serves.
func (b ResolvedBinding) engineBinding() engine.Binding {
	return engine.Binding{Plugin: b.Plugin, Version: b.Version, Config: b.Config, Grants: b.Grants, KeySets: b.KeySets}
}

// RouteInput is one route with its bindings resolved (filters, then the
// handler).
type RouteInput struct {
	Route    model.Route
	Bindings []ResolvedBinding
}

// Generation is one immutable routing table with the pools it uses.
type Generation struct {
	p       *Plane
	handler http.Handler
	refs    atomic.Int64 // 1 for being current + 1 per in-flight request
	pools   []*sharedPool
	// routesOf lists, for each pool, the routes of this generation using it.
	routesOf map[*sharedPool][]string
	// Errors holds the routes that could not be built, by ID. They answer
	// 503 route_unavailable.
	Errors map[string]error
	Routes int
}

// ServeHTTP serves a request on the current generation.
func (p *Plane) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g := p.acquire()
	if g == nil {
		writeError(w, r, http.StatusServiceUnavailable, "not_ready", "hostd is starting or stopping; retry shortly")
		return
	}
	defer g.release()
	r = p.cfg.Client.cleanClient(r)
	id := p.ids.fromRequest(r)
	setRequestID(r.Header, w.Header(), id)
	if r.Body != nil && r.Body != http.NoBody {
		r.Body = http.MaxBytesReader(w, r.Body, p.cfg.MaxBodyBytes)
	}
	g.handler.ServeHTTP(w, r)
}

func (p *Plane) acquire() *Generation {
	for {
		g := p.cur.Load()
		if g == nil {
			return nil
		}
		if g.tryAcquire() {
			return g
		}
		// g was retired between Load and tryAcquire; a newer one is current.
	}
}

func (g *Generation) tryAcquire() bool {
	for {
		n := g.refs.Load()
		if n <= 0 {
			return false
		}
		if g.refs.CompareAndSwap(n, n+1) {
			return true
		}
	}
}

func (g *Generation) release() {
	if g.refs.Add(-1) == 0 {
		g.p.releasePools(g.pools)
	}
}

// Swap makes g current and retires the previous generation, whose pools
// close when its last request finishes.
func (p *Plane) Swap(g *Generation) {
	old := p.cur.Swap(g)
	if p.cfg.Metrics != nil {
		p.cfg.Metrics.Swapped(g.Routes)
	}
	if old != nil {
		old.release()
	}
}

// Discard releases a generation that was built but never swapped in.
func (g *Generation) Discard() { g.release() }

// Close retires the current generation; ServeHTTP answers 503 afterwards.
func (p *Plane) Close() {
	if old := p.cur.Swap(nil); old != nil {
		old.release()
	}
}

// Ready reports whether a generation is being served.
func (p *Plane) Ready() bool { return p.cur.Load() != nil }

// poolKey identifies a pool that generations may share: the same module
// and the same binding (engine.Binding.Key: plugin, version,
// configuration, grants and key sets, encoded without collisions).
type poolKey struct {
	plugin  string
	version int
	sha     string
	binding string
}

type sharedPool struct {
	key  poolKey
	pool *engine.Pool
	refs int // generations using it; guarded by Plane.mu
}

// pool returns a shared pool for b, creating it (compile, instantiate,
// configure) when no generation has one. The caller owns one reference.
func (p *Plane) pool(ctx context.Context, b ResolvedBinding) (*sharedPool, error) {
	key := poolKey{b.Plugin, b.Version, b.SHA256, b.engineBinding().Key()}
	p.mu.Lock()
	if sp, ok := p.pools[key]; ok {
		sp.refs++
		p.mu.Unlock()
		return sp, nil
	}
	p.mu.Unlock()

	pool, err := p.newPool(ctx, b)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if sp, ok := p.pools[key]; ok { // built concurrently
		sp.refs++
		go pool.Close()
		return sp, nil
	}
	sp := &sharedPool{key: key, pool: pool, refs: 1}
	p.pools[key] = sp
	return sp, nil
}

func (p *Plane) newPool(ctx context.Context, b ResolvedBinding) (*engine.Pool, error) {
	mod, err := p.cfg.Engine.Load(ctx, b.SHA256, p.cfg.Wasm)
	if err != nil {
		return nil, err
	}
	defer mod.Release(ctx)
	return mod.NewPool(ctx, b.engineBinding())
}

func (p *Plane) releasePools(pools []*sharedPool) {
	var closing []*engine.Pool
	p.mu.Lock()
	for _, sp := range pools {
		sp.refs--
		if sp.refs == 0 {
			delete(p.pools, sp.key)
			closing = append(closing, sp.pool)
		}
	}
	p.mu.Unlock()
	for _, pool := range closing {
		pool.Close()
	}
}

var _ http.Handler = (*Plane)(nil)
