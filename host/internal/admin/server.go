package admin

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/hostd/hostd/host/internal/model"
)

// Control is what the admin API drives; the host implements it. Errors that
// are *errs.Error are rendered with their Kind's status and their Code; any
// other error is a 500 with code "internal" and a generic message (the
// detail is logged, never sent).
type Control interface {
	// UploadPlugin stores wasm as a version of the named plugin and, when
	// opts.Activate is set, makes it the active one. created is false when
	// the bytes equal an existing version, which is then returned. Other
	// bytes under a built-in plugin's name need opts.ReplaceBuiltin (409
	// builtin_plugin otherwise).
	UploadPlugin(ctx context.Context, name string, wasm []byte, opts UploadOptions) (v model.PluginVersion, created bool, err error)
	// Plugins lists every plugin.
	Plugins(ctx context.Context) ([]model.Plugin, error)
	// Plugin returns the named plugin.
	Plugin(ctx context.Context, name string) (model.Plugin, error)
	// SetActive makes version the active version of the named plugin.
	SetActive(ctx context.Context, name string, version int) (model.Plugin, error)
	// SetKV changes where the plugin's KV data lives (model.KVScopeNode
	// or model.KVScopeCluster) and its own KV limits, in one change; nil
	// fields keep their value.
	SetKV(ctx context.Context, name string, s model.KVSettings) (model.Plugin, error)
	// PluginKV reports what the plugin's KV namespace holds and may hold.
	PluginKV(ctx context.Context, name string) (model.KVUsage, error)
	// PluginHealth lists the plugin's bindings that are quarantined or
	// probing (none: an empty list).
	PluginHealth(ctx context.Context, name string) []model.PoolHealth
	// DeletePlugin removes the plugin and all its versions.
	DeletePlugin(ctx context.Context, name string) error
	// PutRoute creates or replaces the route with r.ID.
	PutRoute(ctx context.Context, r model.Route) (stored model.Route, created bool, err error)
	// Routes lists every route.
	Routes(ctx context.Context) ([]model.Route, error)
	// Route returns the route with the given ID.
	Route(ctx context.Context, id string) (model.Route, error)
	// DeleteRoute removes the route with the given ID.
	DeleteRoute(ctx context.Context, id string) error
	// PutKeySet stores jwks, a JWKS document the admin API has validated,
	// as the named key set; created is false when it replaced one.
	PutKeySet(ctx context.Context, name string, jwks []byte) (created bool, err error)
	// KeySets returns every key set's document by name.
	KeySets(ctx context.Context) (map[string][]byte, error)
	// Breakers lists the host's circuit breakers with their state.
	Breakers(ctx context.Context) ([]model.Breaker, error)
	// KeySet returns the named key set's document.
	KeySet(ctx context.Context, name string) ([]byte, error)
	// DeleteKeySet removes the named key set; it fails with Conflict
	// "keyset_in_use" while a route uses it.
	DeleteKeySet(ctx context.Context, name string) error
	// PutTrigger creates or replaces the trigger with t.ID and starts it.
	PutTrigger(ctx context.Context, t model.Trigger) (stored model.Trigger, created bool, err error)
	// Triggers lists every trigger.
	Triggers(ctx context.Context) ([]model.Trigger, error)
	// Trigger returns the trigger with the given ID.
	Trigger(ctx context.Context, id string) (model.Trigger, error)
	// DeleteTrigger stops and removes the trigger with the given ID.
	DeleteTrigger(ctx context.Context, id string) error
	// Cluster reports this node's view of its cluster.
	Cluster(ctx context.Context) (model.ClusterStatus, error)
}

// Options configures NewHandler. Zero values mean the documented defaults.
type Options struct {
	// Control is driven by the API. Required.
	Control Control
	// Key is the HMAC key admin tokens are signed with, usually from
	// LoadOrCreateKey. Required; at least MinKeyBytes long.
	Key []byte
	// MaxUploadBytes caps a plugin upload. Default: 32 MiB.
	MaxUploadBytes int64
	// MaxJSONBytes caps a JSON request body. Default: 1 MiB.
	MaxJSONBytes int64
	// Metrics is served at GET /metrics to the metrics, viewer and admin
	// roles.
	// Default: nil, and /metrics answers 404.
	Metrics http.Handler
	// Ready backs GET /readyz: nil error → 200, else 503 "not_ready".
	// Default: nil, always ready.
	Ready func() error
	// Audit records every admin write and serves GET /v1/audit (admin
	// role only). Default: nil, no audit log, and /v1/audit answers 404.
	Audit Audit
	// Logger receives one info line per request. Default: slog.Default().
	Logger *slog.Logger
	// Now is the clock used to check token expiry; a hook for tests.
	// Default: time.Now.
	Now func() time.Time
}

const (
	defaultMaxUpload = 32 << 20
	defaultMaxJSON   = 1 << 20
)

// server holds the handler's immutable state.
type server struct {
	ctl       Control
	key       []byte
	maxUpload int64
	maxJSON   int64
	metrics   http.Handler
	ready     func() error
	audit     Audit
	log       *slog.Logger
	now       func() time.Time
}

// NewHandler returns the admin API as an http.Handler. It fails when
// Control or Key is missing, or Key is shorter than MinKeyBytes.
func NewHandler(opts Options) (http.Handler, error) {
	s, err := newServer(opts)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	s.register(mux)
	return s.wrap(mux), nil
}

// newServer validates opts and applies the defaults.
func newServer(opts Options) (*server, error) {
	if opts.Control == nil {
		return nil, errors.New("admin: Options.Control is required")
	}
	if len(opts.Key) < MinKeyBytes {
		return nil, fmt.Errorf("admin: Options.Key must be at least %d bytes, got %d", MinKeyBytes, len(opts.Key))
	}
	s := &server{
		ctl:       opts.Control,
		key:       append([]byte(nil), opts.Key...),
		maxUpload: opts.MaxUploadBytes,
		maxJSON:   opts.MaxJSONBytes,
		metrics:   opts.Metrics,
		ready:     opts.Ready,
		audit:     opts.Audit,
		log:       opts.Logger,
		now:       opts.Now,
	}
	if s.maxUpload <= 0 {
		s.maxUpload = defaultMaxUpload
	}
	if s.maxJSON <= 0 {
		s.maxJSON = defaultMaxJSON
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s, nil
}

// register installs every route on mux.
func (s *server) register(mux *http.ServeMux) {
	mux.Handle("GET /healthz", s.handle(s.healthz))
	mux.Handle("GET /readyz", s.handle(s.readyz))
	if s.metrics != nil {
		mux.Handle("GET /metrics", s.authorize(accessScrape, s.metrics))
	}
	mux.Handle("GET /v1/plugins", s.authed(s.listPlugins))
	mux.Handle("GET /v1/plugins/{name}", s.authed(s.getPlugin))
	mux.Handle("PUT /v1/plugins/{name}", s.authed(s.uploadPlugin))
	mux.Handle("DELETE /v1/plugins/{name}", s.authed(s.deletePlugin))
	mux.Handle("PUT /v1/plugins/{name}/active", s.authed(s.setActive))
	mux.Handle("PUT /v1/plugins/{name}/kv", s.authed(s.setKV))
	mux.Handle("GET /v1/routes", s.authed(s.listRoutes))
	mux.Handle("GET /v1/routes/{id}", s.authed(s.getRoute))
	mux.Handle("PUT /v1/routes/{id}", s.authed(s.putRoute))
	mux.Handle("DELETE /v1/routes/{id}", s.authed(s.deleteRoute))
	mux.Handle("GET /v1/triggers", s.authed(s.listTriggers))
	mux.Handle("GET /v1/triggers/{id}", s.authed(s.getTrigger))
	mux.Handle("PUT /v1/triggers/{id}", s.authed(s.putTrigger))
	mux.Handle("DELETE /v1/triggers/{id}", s.authed(s.deleteTrigger))
	mux.Handle("GET /v1/keysets", s.authed(s.listKeySets))
	mux.Handle("GET /v1/keysets/{name}", s.authed(s.getKeySet))
	mux.Handle("PUT /v1/keysets/{name}", s.authed(s.putKeySet))
	mux.Handle("DELETE /v1/keysets/{name}", s.authed(s.deleteKeySet))
	mux.Handle("GET /v1/breakers", s.authed(s.listBreakers))
	mux.Handle("GET /v1/cluster", s.authed(s.cluster))
	if s.audit != nil {
		mux.Handle("GET /v1/audit", s.authorize(accessAdmin, s.handle(s.listAudit)))
	}
	s.registerProfiling(mux)
}

// handlerFunc is an admin handler: it writes a success response itself and
// returns any failure for writeError to render.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// handle adapts h to an http.Handler.
func (s *server) handle(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			s.writeError(w, r, err)
		}
	})
}

// authed is handle behind authorize.
func (s *server) authed(h handlerFunc) http.Handler {
	return s.authorize(accessAPI, s.handle(h))
}

// RoutesUnavailableError is the error Options.Ready returns when the host
// runs but some stored routes cannot be served: /readyz answers 503
// routes_unavailable with the count (the details, which may name
// plugins, go to the log only: /readyz needs no token).
type RoutesUnavailableError struct {
	Count  int
	Detail string
}

func (e *RoutesUnavailableError) Error() string { return e.Detail }

// healthz reports that the process is alive.
func (s *server) healthz(w http.ResponseWriter, _ *http.Request) error {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	return nil
}

// readyz reports whether the host is ready to serve.
// The reason is logged, not sent: /readyz needs no token.
func (s *server) readyz(w http.ResponseWriter, r *http.Request) error {
	if s.ready != nil {
		if err := s.ready(); err != nil {
			s.log.WarnContext(r.Context(), "admin: not ready", "err", err.Error())
			var ru *RoutesUnavailableError
			if errors.As(err, &ru) {
				return newError(http.StatusServiceUnavailable, "routes_unavailable",
					"%d of the stored routes cannot be served (they answer 503 route_unavailable); the hostd log names them and why", ru.Count)
			}
			return newError(http.StatusServiceUnavailable, "not_ready",
				"hostd is not ready yet; retry shortly (the reason is in the hostd log)")
		}
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
	return nil
}
