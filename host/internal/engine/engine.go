package engine

import (
	"context"
	"fmt"
	"log/slog"
	"runtime"
	"sync"
	"time"

	"github.com/hostd/hostd/host/internal/sandbox"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
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
	// Limits bound every dimension of a module at load time (package
	// sandbox; zero fields take its defaults). MemoryPages and DataBytes
	// are always set from MemoryLimitPages.
	Limits sandbox.Limits
	// StackBudgetBytes bounds the call stack of one guest call (deep or
	// endless recursion traps). Default 32 MiB, as charged by
	// sandbox.FrameCost (at least what the compiled frames take).
	StackBudgetBytes int64
	// StackSoftBytes is the stack depth past which each further call is
	// charged to MaxTotalMemoryBytes and the instance is recycled after
	// the call. Default 2 MiB.
	StackSoftBytes int64
	// MaxTotalInstances caps the live instances of all pools together;
	// idle instances of other pools are evicted to make room, and beyond
	// it requests get ErrOverloaded. Default 256.
	MaxTotalInstances int
	// MaxTotalMemoryBytes caps the guest memory of all instances together
	// (linear memories and grown call stacks): a memory.grow beyond it
	// fails, an instance that cannot get its initial memory is not
	// created (ErrOverloaded). Default half the machine's memory, at most
	// 8 GiB and at least 256 MiB.
	MaxTotalMemoryBytes int64
	// CompileTimeout and CompileMemoryBytes bound compiling one module;
	// beyond them the upload is refused (ABIError with Budget set). They
	// are enforced when CompileWorker is set. Defaults 60s and 1 GiB.
	CompileTimeout     time.Duration
	CompileMemoryBytes int64
	// CompileWorker is the command (argv) of a compile worker: a binary
	// that runs RunCompileWorker when IsCompileWorker reports true. With
	// it, modules are compiled in a child process under the compile
	// budget, into the compilation cache. Empty: compile in-process.
	CompileWorker []string
	// MaxConcurrentCompiles bounds compilations running at once. Default 2.
	MaxConcurrentCompiles int
	// LongCallAfter is how long a guest call runs (its guest code, not
	// the host functions it waits in) before it counts as long: long calls
	// of all plugins together run on at most LongCallCPUs cores at a time,
	// taking turns, so that guests that burn CPU leave the other cores to
	// quick requests. Defaults 2ms and GOMAXPROCS-1 (at least 1).
	LongCallAfter time.Duration
	LongCallCPUs  int
	// Quarantine backs off pools whose calls keep failing.
	Quarantine QuarantinePolicy
	// Journal, when set, records every instance's running call (the host
	// backs it with package journal), so that the next run knows what was
	// running if this one dies.
	Journal CallJournal
	// Suspect reports a plugin version suspected of having brought the
	// host down at its previous run: its pools start quarantined for the
	// returned duration, without running even _initialize.
	Suspect func(plugin string, version int) (reason string, quarantine time.Duration, ok bool)
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

// CallJournal records running calls; see Config.Journal.
type CallJournal interface {
	Acquire(plugin string, version int) CallSlot
}

// CallSlot records the calls of one instance. Its methods must be cheap:
// Begin and End run around every call.
type CallSlot interface {
	Begin(time.Time)
	End()
	Release()
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
	c.Limits.MemoryPages = c.MemoryLimitPages
	c.Limits.DataBytes = c.MemoryLimitPages * 65536
	if c.MemoryLimitPages >= 65536 {
		c.Limits.DataBytes = 1<<32 - 1
	}
	if c.StackBudgetBytes <= 0 {
		c.StackBudgetBytes = 32 << 20
	}
	if c.StackBudgetBytes > 1<<30 {
		c.StackBudgetBytes = 1 << 30
	}
	if c.StackSoftBytes <= 0 || c.StackSoftBytes > c.StackBudgetBytes {
		c.StackSoftBytes = min(2<<20, c.StackBudgetBytes/2)
	}
	if c.MaxTotalInstances <= 0 {
		c.MaxTotalInstances = 256
	}
	if c.MaxTotalMemoryBytes <= 0 {
		c.MaxTotalMemoryBytes = defaultMemoryBudget()
	}
	if c.CompileTimeout <= 0 {
		c.CompileTimeout = time.Minute
	}
	if c.CompileMemoryBytes <= 0 {
		c.CompileMemoryBytes = 1 << 30
	}
	if c.MaxConcurrentCompiles <= 0 {
		c.MaxConcurrentCompiles = 2
	}
	if c.LongCallAfter <= 0 {
		c.LongCallAfter = 2 * time.Millisecond
	}
	if c.LongCallCPUs <= 0 {
		c.LongCallCPUs = max(1, runtime.GOMAXPROCS(0)-1)
	}
	c.Quarantine = c.Quarantine.withDefaults()
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
	cfg    Config
	rt     wazero.Runtime
	rc     wazero.RuntimeConfig // without the cache, for compile workers
	cache  wazero.CompilationCache
	code   *codeCache // nil without CacheDir
	exeID  string     // sha256 of the executable, for the prepared-module cache
	log    *slog.Logger
	budget *budget
	slots  chan struct{} // compile slots
	cpus   chan struct{} // long-call CPU tokens

	mu        sync.Mutex
	modules   map[string]*Module  // by sha256; shared by every version with the same bytes
	compiling map[string]*shaLock // per-module compile locks (see Compile)
}

// runtimeConfig is the wazero configuration of the engine and of its
// compile workers: compiled code is only shared between runtimes with the
// same settings. Calls are interrupted by the instrumentation (see
// interrupt.go), so wazero's own context checks are off.
func runtimeConfig(memoryPages uint32) wazero.RuntimeConfig {
	return wazero.NewRuntimeConfig().
		WithCoreFeatures(api.CoreFeaturesV2).
		WithCloseOnContextDone(false).
		WithMemoryLimitPages(memoryPages)
}

// New creates the wazero runtime (compiler when the platform supports it),
// with the on-disk compilation cache and the host modules.
func New(ctx context.Context, cfg Config) (*Engine, error) {
	cfg = cfg.withDefaults()
	rc := runtimeConfig(cfg.MemoryLimitPages)
	e := &Engine{cfg: cfg, rc: rc, log: cfg.Logger, modules: map[string]*Module{}, compiling: map[string]*shaLock{},
		budget: newBudget(cfg.MaxTotalInstances, cfg.MaxTotalMemoryBytes),
		slots:  make(chan struct{}, cfg.MaxConcurrentCompiles),
		cpus:   make(chan struct{}, cfg.LongCallCPUs)}
	if cfg.CacheDir != "" {
		code, err := openCodeCache(ctx, rc, cfg.CacheDir)
		if err != nil {
			return nil, err
		}
		c, err := wazero.NewCompilationCacheWithDir(cfg.CacheDir)
		if err != nil {
			return nil, fmt.Errorf("engine: cache dir: %w", err)
		}
		e.code, e.cache, e.exeID = code, c, executableID()
		rc = rc.WithCompilationCache(c)
	}
	e.rt = wazero.NewRuntimeWithConfig(ctx, rc)
	if _, err := wasi_snapshot_preview1.Instantiate(ctx, e.rt); err != nil {
		_ = e.Close(ctx)
		return nil, fmt.Errorf("engine: wasi: %w", err)
	}
	if err := e.instantiateHostModule(ctx); err != nil {
		_ = e.Close(ctx)
		return nil, fmt.Errorf("engine: host module: %w", err)
	}
	if err := e.instantiateSandbox(ctx); err != nil {
		_ = e.Close(ctx)
		return nil, fmt.Errorf("engine: %w", err)
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
