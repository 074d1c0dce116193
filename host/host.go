package host

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hostd/hostd/host/internal/admin"
	"github.com/hostd/hostd/host/internal/bus"
	"github.com/hostd/hostd/host/internal/dataplane"
	"github.com/hostd/hostd/host/internal/engine"
	"github.com/hostd/hostd/host/internal/journal"
	"github.com/hostd/hostd/host/internal/metrics"
	"github.com/hostd/hostd/host/internal/policy"
	"github.com/hostd/hostd/host/internal/registry"
	"github.com/hostd/hostd/host/internal/replica"
	"github.com/hostd/hostd/host/internal/trigger"
)

// ErrDataDirInUse is returned by Start when another hostd holds the data
// directory's registry lock.
var ErrDataDirInUse = errors.New("host: data dir is in use by another hostd")

// Host is a running hostd: registry, engine, data plane and admin API.
type Host struct {
	cfg Config
	log *slog.Logger

	reg      *registry.Registry
	bus      *bus.Bus
	trig     *trigger.Manager
	repl     *replica.Replicator
	kv       *kvRouter
	busCfg   bus.Config
	eng      *engine.Engine
	plane    *dataplane.Plane
	metrics  *metrics.Metrics
	ctl      *control
	limits   *policy.Limiters
	brk      *policy.Breakers
	keys     *keySets
	journal  *journal.Journal
	suspects *crashSuspects

	data, adm       *http.Server
	dataLn, adminLn net.Listener
	serveErr        chan error
	stopping        atomic.Bool
	started         bool // Start succeeded
	stopSweep       context.CancelFunc
	wg              sync.WaitGroup
}

// New validates cfg and returns a Host that is not started. The Config is
// copied.
func New(cfg Config) (*Host, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("host: invalid config: %w", err)
	}
	cfg = cfg.withDefaults()
	log := cfg.Logger
	if log == nil {
		lvl, _ := parseLevel(cfg.LogLevel)
		log = slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: lvl}))
	}
	if cfg.Cluster.enabled() {
		log = log.With("node", cfg.Cluster.nodeName())
	}
	return &Host{cfg: cfg, log: log, serveErr: make(chan error, 2)}, nil
}

// Start opens the data directory, loads plugins and routes, and starts both
// listeners. It returns once both accept connections. On error, everything
// started so far is stopped again.
func (h *Host) Start(ctx context.Context) (err error) {
	defer func() {
		if err != nil {
			h.closeAll(context.Background())
		}
	}()
	if err := os.MkdirAll(h.cfg.DataDir, 0o700); err != nil {
		return fmt.Errorf("host: data dir: %w", err)
	}
	dbPath := filepath.Join(h.cfg.DataDir, "registry.db")
	h.reg, err = registry.Open(dbPath, registry.Options{Timeout: time.Second, KV: h.cfg.Limits.kvLimits(),
		Audit: h.cfg.Audit.limits()})
	if err != nil {
		if errors.Is(err, registry.ErrLocked) {
			return fmt.Errorf("%w (%s): %v", ErrDataDirInUse, h.cfg.DataDir, err)
		}
		return fmt.Errorf("host: %w", err)
	}
	if err := h.startBus(ctx); err != nil {
		return err
	}
	key, err := admin.LoadOrCreateKey(h.cfg.DataDir)
	if err != nil {
		return fmt.Errorf("host: %w", err)
	}
	h.metrics = metrics.New()
	if err := h.openJournal(); err != nil {
		return err
	}
	if err := h.startEngine(ctx); err != nil {
		return err
	}
	h.ctl = &control{h: h}
	if err := h.registerBuiltins(); err != nil {
		return err
	}
	if err := h.ctl.load(ctx); err != nil {
		return err
	}
	h.startTriggers(ctx)
	if err := h.startReplica(); err != nil {
		return err
	}
	if err := h.listen(key); err != nil {
		return err
	}
	sweepCtx, cancel := context.WithCancel(context.Background())
	h.stopSweep = cancel
	h.wg.Add(1)
	go h.sweepKV(sweepCtx)
	h.started = true
	h.log.Info("hostd started", "listen", h.dataLn.Addr().String(), "admin_listen", h.adminLn.Addr().String(),
		"data_dir", h.cfg.DataDir, "nats", h.bus.ClientURL())
	return nil
}

func (h *Host) startEngine(ctx context.Context) error {
	l := h.cfg.Limits
	h.limits = policy.NewLimiters(time.Now(), maxBuckets)
	h.limits.SetOwnerQuota(l.bucketsPerBinding())
	h.brk = policy.NewBreakers(time.Now(), maxBreakers)
	h.brk.SetOwnerShare(maxBreakers / breakerShare)
	h.metrics.WatchBreakers(h.breakerMetrics)
	h.keys = newKeySets()
	if err := h.loadKeySets(); err != nil {
		return fmt.Errorf("host: key sets: %w", err)
	}
	var err error
	h.kv = newKVRouter(h.reg, h.bus, h.replicas(), h.log) // the bus started before the engine
	h.kv.setScopes(h.reg)
	ecfg := engine.Config{
		CacheDir:            h.cfg.CacheDir,
		MemoryLimitPages:    l.MemoryPages,
		CallTimeout:         l.CallTimeout.or(0),
		ConfigureTimeout:    l.ConfigureTimeout.or(0),
		MaxInstances:        l.MaxInstances,
		QueueTimeout:        l.QueueTimeout.or(0),
		MaxCallsPerInstance: l.MaxCallsPerInstance,
		MaxBodyBytes:        l.MaxBodyBytes,
		MaxKVValueBytes:     l.MaxKVValueBytes,
		KV:                  h.kv,
		RateLimits:          limiters{h.limits},
		Breakers:            breakers{h.brk},
		JWT:                 h.keys,
		Messenger:           messenger{h.bus},
		Observer:            h.metrics,
		Logger:              h.log,
		MaxPluginHeaders:    l.MaxPluginHeaders, MaxPluginHeaderBytes: l.MaxPluginHeaderBytes, MaxPluginURLBytes: l.MaxPluginURLBytes,
		MaxPublishPerCall: l.MaxPublishPerCall, MaxPublishBytesPerCall: l.MaxPublishBytesPerCall,
	}
	h.cfg.engineSandbox(&ecfg)
	ecfg.Journal = journalAdapter{h.journal}
	ecfg.Suspect = h.suspects.suspect
	if h.cfg.CompileWorker == "" {
		h.log.Warn("compile isolation is off: uploaded modules compile in-process without a time or memory budget (set Config.CompileWorker)")
	}
	h.eng, err = engine.New(ctx, ecfg)
	if err != nil {
		return fmt.Errorf("host: %w", err)
	}
	// Start started the bus before the engine: routes with a nats target
	// send their requests through it.
	h.plane = dataplane.New(dataplane.Config{Engine: h.eng, Wasm: h.reg.Wasm, Metrics: h.metrics,
		Logger: h.log, MaxBodyBytes: l.MaxBodyBytes, NATS: h.bus, Client: h.clientPolicy(),
		BodyReadTimeout: time.Duration(h.cfg.Server.BodyReadTimeout)})
	h.metrics.WatchSandbox(h.quarantinedMetrics, h.capacityMetrics)
	return nil
}

func (h *Host) listen(key []byte) error {
	adminHandler, err := admin.NewHandler(admin.Options{
		Control: h.ctl, Key: key, MaxUploadBytes: h.cfg.Limits.MaxUploadBytes,
		Metrics: h.metrics.Handler(), Ready: h.Ready, Logger: h.log, Audit: auditLog{h},
	})
	if err != nil {
		return fmt.Errorf("host: %w", err)
	}
	if h.dataLn, err = listenCapped(h.cfg.Listen, h.cfg.Server.MaxConnections); err != nil {
		return fmt.Errorf("host: listen: %w", err)
	}
	if h.adminLn, err = listenCapped(h.cfg.AdminListen, h.cfg.Server.AdminMaxConnections); err != nil {
		return fmt.Errorf("host: admin listen: %w", err)
	}
	h.metrics.WatchConnections(h.connectionMetrics)
	h.data = h.server(h.plane)
	h.adm = h.server(adminHandler)
	for _, s := range []struct {
		srv *http.Server
		ln  net.Listener
	}{{h.data, h.dataLn}, {h.adm, h.adminLn}} {
		h.wg.Add(1)
		go func() {
			defer h.wg.Done()
			if err := s.srv.Serve(s.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				h.serveErr <- err
			}
		}()
	}
	return nil
}

// clientPolicy is what the data plane keeps of client headers (Validate
// has checked the proxies parse).
func (h *Host) clientPolicy() dataplane.ClientPolicy {
	proxies, _ := h.cfg.Server.trustedProxies()
	return dataplane.ClientPolicy{TrustedProxies: proxies, AllowUnderscoreHeaders: h.cfg.Server.AllowUnderscoreHeaders}
}

func (h *Host) server(handler http.Handler) *http.Server {
	s := h.cfg.Server
	return &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: s.ReadHeaderTimeout.or(10 * time.Second),
		ReadTimeout:       s.ReadTimeout.or(60 * time.Second),
		WriteTimeout:      s.WriteTimeout.or(60 * time.Second),
		IdleTimeout:       s.IdleTimeout.or(120 * time.Second),
		MaxHeaderBytes:    s.MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(h.log.Handler(), slog.LevelWarn),
	}
}

// Handler returns the data plane as an http.Handler, for embedding hostd
// behind another server or for in-process benchmarks. It is valid between
// Start and Shutdown.
func (h *Host) Handler() http.Handler { return h.plane }

// Addr returns the data-plane listener's address (useful with ":0").
func (h *Host) Addr() net.Addr { return h.dataLn.Addr() }

// AdminAddr returns the admin listener's address.
func (h *Host) AdminAddr() net.Addr { return h.adminLn.Addr() }

// Err delivers a listener's fatal error, if one stops serving.
func (h *Host) Err() <-chan error { return h.serveErr }

// Ready returns nil once the host serves routes and until it shuts down.
func (h *Host) Ready() error {
	switch {
	case h.stopping.Load():
		return errors.New("shutting down")
	case h.plane == nil || !h.plane.Ready():
		return errors.New("routes not loaded")
	case h.bus == nil:
		return errors.New("nats not started")
	}
	if err := h.bus.Ready(); err != nil {
		return err
	}
	if bad := h.plane.Unavailable(); len(bad) > 0 {
		ids := make([]string, 0, len(bad))
		for id, why := range bad {
			ids = append(ids, id+": "+why)
		}
		slices.Sort(ids)
		return &admin.RoutesUnavailableError{Count: len(bad),
			Detail: "routes that cannot be served: " + strings.Join(ids, "; ")}
	}
	return nil
}

// Shutdown stops accepting connections, waits for in-flight requests (up to
// ctx or the configured shutdown timeout), then closes plugins and the
// registry.
func (h *Host) Shutdown(ctx context.Context) error {
	h.stopping.Store(true)
	ctx, cancel := context.WithTimeout(ctx, h.cfg.Server.ShutdownTimeout.or(30*time.Second))
	defer cancel()
	var errs []error
	for _, s := range []*http.Server{h.data, h.adm} {
		if s != nil {
			if err := s.Shutdown(ctx); err != nil {
				errs = append(errs, err)
			}
		}
	}
	h.closeAll(ctx)
	h.log.Info("hostd stopped")
	return errors.Join(errs...)
}

func (h *Host) closeAll(ctx context.Context) {
	if h.stopSweep != nil {
		h.stopSweep()
	}
	for _, ln := range []net.Listener{h.dataLn, h.adminLn} {
		if ln != nil {
			_ = ln.Close()
		}
	}
	h.stopReplica() // before wg.Wait: it may start precompile goroutines
	h.wg.Wait()
	h.stopTriggers()
	if h.plane != nil {
		h.plane.Close()
	}
	if h.eng != nil {
		_ = h.eng.Close(ctx)
	}
	h.closeJournal(h.started)
	h.stopBus()
	if h.reg != nil {
		_ = h.reg.Close()
	}
}

func (h *Host) sweepKV(ctx context.Context) {
	defer h.wg.Done()
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			h.limits.Sweep(now)
			h.brk.Sweep(now)
			if n, err := h.reg.KVSweep(); err != nil {
				h.log.Warn("kv sweep failed", "error", err)
			} else if n > 0 {
				h.log.Debug("kv sweep", "expired", n)
			}
		}
	}
}

// MintAdminToken returns a bearer token for the admin API of a hostd using
// dataDir, creating the signing key if it does not exist yet. role is
// "admin" or "viewer".
func MintAdminToken(dataDir, role, subject string, ttl time.Duration) (string, error) {
	r, err := admin.ParseRole(role)
	if err != nil {
		return "", err
	}
	if ttl <= 0 {
		return "", errors.New("token: ttl must be positive")
	}
	key, err := admin.LoadOrCreateKey(dataDir)
	if err != nil {
		return "", err
	}
	return admin.MintToken(key, r, subject, ttl, time.Now())
}
