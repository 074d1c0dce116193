package engine

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
)

// Config bounds and wires the engine. Zero values mean the defaults written
// on each field; New copies the Config.
type Config struct {
	// CacheDir holds wazero's compilation cache, so a restart does not
	// recompile every plugin. Empty disables the on-disk cache.
	CacheDir string
	// MemoryLimitPages caps every instance's linear memory in 64 KiB pages.
	// Default 512 (32 MiB).
	MemoryLimitPages uint32
	// CallTimeout bounds one on_request or on_response call. When exceeded
	// the instance is closed (wazero close-on-context-done) and the request
	// gets 504. Default 1s.
	CallTimeout time.Duration
	// ConfigureTimeout bounds instantiation plus on_configure. Default 5s.
	ConfigureTimeout time.Duration
	// MaxInstances caps the concurrent instances of one pool (one pool per
	// plugin version and binding configuration). Default 16.
	MaxInstances int
	// QueueTimeout is how long a request waits for a free instance when the
	// pool is at MaxInstances, before it gets 503. Default 1s.
	QueueTimeout time.Duration
	// MaxCallsPerInstance recycles an instance after this many requests, so
	// leaks in a guest cannot grow forever. Default 10000.
	MaxCallsPerInstance int
	// RecyclePages recycles an instance whose memory has grown past this many
	// pages. Default: three quarters of MemoryLimitPages.
	RecyclePages uint32
	// MaxFunctions, MaxImports and MaxTableElements bound a module at load
	// time. Defaults 200000, 1000, 100000.
	MaxFunctions, MaxImports, MaxTableElements uint64
	// MaxBodyBytes bounds request bodies read by plugins and bodies they
	// write. Default 8 MiB.
	MaxBodyBytes int64
	// MaxKVValueBytes bounds one KV value. Default 1 MiB.
	MaxKVValueBytes int
	// KV stores plugin key-value data. Nil: KV calls return StatusDenied.
	KV KVStore
	// JWT, RateLimits and Breakers back the policy host functions. Nil:
	// those calls return StatusUnsupported and the feature is not offered.
	JWT        JWTVerifier
	RateLimits RateLimiter
	Breakers   Breakers
	// Messenger backs the msg_* host functions. Nil: they return
	// StatusUnsupported and the feature is not offered.
	Messenger Messenger
	// Observer receives call outcomes for metrics. Nil: none.
	Observer Observer
	// Logger receives engine and guest log lines. Nil: slog.Default().
	Logger *slog.Logger
	// GuestLogRate and GuestLogBurst rate-limit guest log lines per pool.
	// Defaults 50/s and 100.
	GuestLogRate  float64
	GuestLogBurst int
	// MaxPluginHeaders and MaxPluginHeaderBytes bound, per request and per
	// header map (request, response), what plugins add with set_header and
	// add_header: every successful call counts one value and the bytes of
	// its name and value, and nothing is given back by later calls. A call
	// that would pass either bound returns StatusTooLarge and changes
	// nothing. Defaults 100 and 64 KiB.
	MaxPluginHeaders     int
	MaxPluginHeaderBytes int
	// MaxPluginURLBytes bounds the path given to set_path and the query
	// given to set_query (each); longer ones return StatusTooLarge. Default
	// 64 KiB.
	MaxPluginURLBytes int
	// MaxPublishPerCall and MaxPublishBytesPerCall bound the messages one
	// callback sends (msg_publish, msg_request, msg_respond) and their
	// headers plus data; a send beyond either returns StatusTooLarge and
	// sends nothing. Defaults 100 and 4 MiB.
	MaxPublishPerCall      int
	MaxPublishBytesPerCall int
}

func (c Config) withDefaults() Config {
	if c.MemoryLimitPages == 0 {
		c.MemoryLimitPages = 512
	}
	if c.CallTimeout <= 0 {
		c.CallTimeout = time.Second
	}
	if c.ConfigureTimeout <= 0 {
		c.ConfigureTimeout = 5 * time.Second
	}
	if c.MaxInstances <= 0 {
		c.MaxInstances = 16
	}
	if c.QueueTimeout <= 0 {
		c.QueueTimeout = time.Second
	}
	if c.MaxCallsPerInstance <= 0 {
		c.MaxCallsPerInstance = 10000
	}
	if c.RecyclePages == 0 || c.RecyclePages > c.MemoryLimitPages {
		c.RecyclePages = c.MemoryLimitPages / 4 * 3
	}
	if c.MaxFunctions == 0 {
		c.MaxFunctions = 200000
	}
	if c.MaxImports == 0 {
		c.MaxImports = 1000
	}
	if c.MaxTableElements == 0 {
		c.MaxTableElements = 100000
	}
	if c.MaxBodyBytes <= 0 {
		c.MaxBodyBytes = 8 << 20
	}
	if c.MaxKVValueBytes <= 0 {
		c.MaxKVValueBytes = 1 << 20
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Observer == nil {
		c.Observer = nopObserver{}
	}
	if c.GuestLogRate <= 0 {
		c.GuestLogRate = 50
	}
	if c.GuestLogBurst <= 0 {
		c.GuestLogBurst = 100
	}
	c.hostCallDefaults()
	return c
}

// Engine compiles plugin modules and runs their instances. It is safe for
// concurrent use.
type Engine struct {
	cfg   Config
	rt    wazero.Runtime
	cache wazero.CompilationCache
	log   *slog.Logger

	mu        sync.Mutex
	modules   map[string]*Module  // by sha256; shared by every version with the same bytes
	compiling map[string]*shaLock // per-module compile locks (see Compile)
}

// New creates the wazero runtime (compiler when the platform supports it),
// with the on-disk compilation cache and the host modules.
func New(ctx context.Context, cfg Config) (*Engine, error) {
	cfg = cfg.withDefaults()
	rc := wazero.NewRuntimeConfig().
		WithCloseOnContextDone(true).
		WithMemoryLimitPages(cfg.MemoryLimitPages)
	var cache wazero.CompilationCache
	if cfg.CacheDir != "" {
		if err := os.MkdirAll(cfg.CacheDir, 0o700); err != nil {
			return nil, fmt.Errorf("engine: cache dir: %w", err)
		}
		c, err := wazero.NewCompilationCacheWithDir(cfg.CacheDir)
		if err != nil {
			return nil, fmt.Errorf("engine: cache dir: %w", err)
		}
		cache = c
		rc = rc.WithCompilationCache(c)
	}
	e := &Engine{cfg: cfg, rt: wazero.NewRuntimeWithConfig(ctx, rc), cache: cache,
		log: cfg.Logger, modules: map[string]*Module{}, compiling: map[string]*shaLock{}}
	if _, err := wasi_snapshot_preview1.Instantiate(ctx, e.rt); err != nil {
		_ = e.Close(ctx)
		return nil, fmt.Errorf("engine: wasi: %w", err)
	}
	if err := e.instantiateHostModule(ctx); err != nil {
		_ = e.Close(ctx)
		return nil, fmt.Errorf("engine: host module: %w", err)
	}
	return e, nil
}

// Config returns the effective configuration (defaults applied).
func (e *Engine) Config() Config { return e.cfg }

// Close closes the runtime and with it every module and instance.
func (e *Engine) Close(ctx context.Context) error {
	err := e.rt.Close(ctx)
	if e.cache != nil {
		if cerr := e.cache.Close(ctx); err == nil {
			err = cerr
		}
	}
	return err
}
