package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/hostd/hostd/abi"
	"github.com/hostd/hostd/host/internal/sandbox"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// Module is a compiled, validated plugin binary. Modules are shared by
// sha256 and reference-counted: Compile returns a reference that the caller
// must Release; every Pool holds one more.
type Module struct {
	e        *Engine
	sha      string
	size     int
	compiled wazero.CompiledModule
	refs     int    // guarded by e.mu
	minPages uint32 // initial memory, prepaid from the memory budget per instance

	hasInit, hasConfigure, hasMessage bool
	// readsBody is set when the module imports get_body or write_body,
	// the functions that may need the client's request body.
	readsBody bool
	// asyncify is set when the module exports binaryen's asyncify_*
	// functions: a TinyGo build with the default (asyncify) scheduler.
	asyncify bool
}

// asyncifyExports are the functions binaryen's asyncify pass exports; a
// TinyGo module built without -scheduler=none has them.
var asyncifyExports = []string{
	"asyncify_start_unwind", "asyncify_stop_unwind",
	"asyncify_start_rewind", "asyncify_stop_rewind", "asyncify_get_state",
}

// UsesAsyncify reports whether the module exports any of binaryen's
// asyncify_* functions, as a TinyGo module built with its default
// (asyncify) scheduler does. Such a module works, but its instrumented code
// makes every call tens of times slower; uploads of it are refused.
func (m *Module) UsesAsyncify() bool { return m.asyncify }

// HandlesMessages reports whether the module exports on_message.
func (m *Module) HandlesMessages() bool { return m.hasMessage }

// ReadsRequestBody reports whether the module imports a function that may
// read the client's request body (get_body, write_body). The data plane
// reads such a route's body before it takes any instance, so that no host
// call waits on the client.
func (m *Module) ReadsRequestBody() bool { return m.readsBody }

// SHA256 returns the hex sha256 of the module's bytes.
func (m *Module) SHA256() string { return m.sha }

// Compile validates and compiles wasm, or returns the already compiled
// module with the same sha256. Errors are *ABIError when the binary is not
// a usable v1 plugin.
func (e *Engine) Compile(ctx context.Context, wasm []byte) (*Module, error) {
	sum := sha256.Sum256(wasm)
	sha := hex.EncodeToString(sum[:])
	e.mu.Lock()
	if m, ok := e.modules[sha]; ok {
		m.refs++
		e.mu.Unlock()
		return m, nil
	}
	e.mu.Unlock()

	// Concurrent compiles of the same bytes (a cluster node precompiling a
	// plugin while a route build needs it) wait for the first instead of
	// compiling twice; different modules compile in parallel.
	unlock := e.lockSHA(sha)
	defer unlock()
	e.mu.Lock()
	if m, ok := e.modules[sha]; ok {
		m.refs++
		e.mu.Unlock()
		return m, nil
	}
	e.mu.Unlock()
	m, err := e.compile(ctx, sha, wasm)
	if err != nil {
		return nil, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	m.refs = 1
	e.modules[sha] = m
	return m, nil
}

// lockSHA serialises compilations of one module and returns the unlock.
func (e *Engine) lockSHA(sha string) func() {
	e.mu.Lock()
	l, ok := e.compiling[sha]
	if !ok {
		l = &shaLock{}
		e.compiling[sha] = l
	}
	l.waiters++
	e.mu.Unlock()
	l.mu.Lock()
	return func() {
		l.mu.Unlock()
		e.mu.Lock()
		if l.waiters--; l.waiters == 0 {
			delete(e.compiling, sha)
		}
		e.mu.Unlock()
	}
}

// shaLock is the per-module compile lock; waiters is guarded by Engine.mu.
type shaLock struct {
	mu      sync.Mutex
	waiters int
}

func (e *Engine) compile(ctx context.Context, sha string, wasm []byte) (*Module, error) {
	opts := sandbox.Options{
		StackBudget: int32(e.cfg.StackBudgetBytes / sandbox.StackUnit),
		StackSoft:   int32(e.cfg.StackSoftBytes / sandbox.StackUnit),
	}
	var key string
	var prep prepared
	hit := false
	if e.code != nil && e.exeID != "" {
		key = e.prepKey(sha, opts)
		prep, hit = e.code.loadPrepared(key)
	}
	if !hit {
		var err error
		if prep, err = prepare(wasm, e.cfg.Limits, opts); err != nil {
			return nil, err
		}
	}
	compiled, err := e.compileCode(ctx, prep.wasm)
	if err != nil {
		return nil, err
	}
	m := &Module{e: e, sha: sha, size: len(wasm), compiled: compiled, minPages: prep.minPages}
	if err := m.validate(); err != nil {
		_ = compiled.Close(ctx)
		return nil, &ABIError{Reason: err.Error()}
	}
	if key != "" && !hit {
		e.code.storePrepared(key, prep)
	}
	if m.asyncify {
		e.log.Warn("module built with TinyGo's asyncify scheduler: every call is tens of times slower; rebuild it with -scheduler=none (uploads of such modules are refused)", "sha256", sha)
	}
	return m, nil
}

// prepare parses wasm within the load limits, checks its imports and
// instruments it.
func prepare(wasm []byte, limits sandbox.Limits, opts sandbox.Options) (prepared, error) {
	parsed, err := sandbox.Parse(wasm, limits)
	if err != nil {
		return prepared{}, parseError(err)
	}
	if err := checkImports(parsed); err != nil {
		return prepared{}, &ABIError{Reason: err.Error()}
	}
	out, err := sandbox.Instrument(parsed, opts)
	if err != nil {
		return prepared{}, &ABIError{Reason: err.Error()}
	}
	p := prepared{wasm: out}
	if len(parsed.Memories) > 0 {
		p.minPages = parsed.Memories[0].Min
	}
	return p, nil
}

// parseError explains why sandbox.Parse refused a module.
func parseError(err error) error {
	var le *sandbox.LimitError
	switch {
	case errors.Is(err, sandbox.ErrNotWasm):
		return &ABIError{Reason: err.Error(), NotWasm: true}
	case errors.As(err, &le):
		return &ABIError{Reason: "module is over a load limit: " + le.Error(), OverLimit: true}
	}
	return &ABIError{Reason: "invalid module: " + err.Error()}
}

// checkImports checks every import against ABI v1 and the WASI subset and
// reports all problems at once.
func checkImports(m *sandbox.Module) error {
	var errs []error
	for _, im := range m.Imports {
		t := m.Types[im.Type]
		if err := checkImport(im.Module, im.Name, t.Params, t.Results); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Release drops a reference; the last one closes the compiled module.
func (m *Module) Release(ctx context.Context) {
	e := m.e
	e.mu.Lock()
	m.refs--
	last := m.refs == 0
	if last {
		delete(e.modules, m.sha)
	}
	e.mu.Unlock()
	if last {
		_ = m.compiled.Close(ctx)
	}
}

func (m *Module) acquire() {
	m.e.mu.Lock()
	m.refs++
	m.e.mu.Unlock()
}

// validate checks the exports against ABI v1 (checkImports did the
// imports) and collects every problem, so the uploader sees them all at
// once.
func (m *Module) validate() error {
	var errs []error
	if _, ok := m.compiled.ExportedMemories()[abi.MemoryExport]; !ok {
		errs = append(errs, fmt.Errorf("no exported memory named %q", abi.MemoryExport))
	}
	exports := m.compiled.ExportedFunctions()
	for _, want := range abi.GuestExports {
		def, ok := exports[want.Name]
		if !ok {
			continue
		}
		if !sameSignature(def, want) {
			errs = append(errs, fmt.Errorf("export %q has type %s, want %s", want.Name, sigString(def.ParamTypes(), def.ResultTypes()), abiSigString(want)))
		}
	}
	if _, ok := exports[abi.MarkerExport]; !ok {
		errs = append(errs, fmt.Errorf("no %q export: this is not a hostd ABI v%d plugin (build it with the hostd SDK)", abi.MarkerExport, abi.Version))
	}
	if _, ok := exports[abi.ExportOnRequest]; !ok {
		errs = append(errs, fmt.Errorf("no %q export", abi.ExportOnRequest))
	}
	if _, ok := exports["_start"]; ok {
		if _, ok := exports[abi.InitializeExport]; !ok {
			errs = append(errs, errors.New("the module is a WASI command (exports _start); build it as a reactor with -buildmode=c-shared"))
		}
	}
	if def, ok := exports[abi.InitializeExport]; ok && (len(def.ParamTypes()) != 0 || len(def.ResultTypes()) != 0) {
		errs = append(errs, fmt.Errorf("export %q must have type ()->()", abi.InitializeExport))
	}
	_, m.hasInit = exports[abi.InitializeExport]
	_, m.hasConfigure = exports[abi.ExportOnConfigure]
	_, m.hasMessage = exports[abi.ExportOnMessage]
	m.asyncify = slices.ContainsFunc(asyncifyExports, func(name string) bool { _, ok := exports[name]; return ok })
	for _, im := range m.compiled.ImportedFunctions() {
		mod, name, _ := im.Import()
		if mod == abi.ModuleName && (name == abi.FuncGetBody || name == abi.FuncWriteBody) {
			m.readsBody = true
		}
	}
	return errors.Join(errs...)
}

// allowedWASI is the WASI preview1 subset a guest may import. The host
// instantiates WASI with no preopened directories, no environment, no
// arguments and no sockets, so these give access to nothing but clocks,
// randomness and the log.
var allowedWASI = map[string]bool{
	"args_get": true, "args_sizes_get": true, "environ_get": true, "environ_sizes_get": true,
	"clock_time_get": true, "clock_res_get": true, "fd_write": true, "fd_read": true,
	"fd_close": true, "fd_seek": true, "fd_fdstat_get": true, "fd_fdstat_set_flags": true,
	"fd_prestat_get": true, "fd_prestat_dir_name": true, "fd_filestat_get": true,
	"path_open": true, "poll_oneoff": true, "proc_exit": true, "random_get": true, "sched_yield": true,
}

var hostSigs = func() map[string]abi.Signature {
	m := make(map[string]abi.Signature, len(abi.HostFunctions))
	for _, s := range abi.HostFunctions {
		m[s.Name] = s
	}
	return m
}()

func checkImport(mod, name string, params, results []byte) error {
	switch mod {
	case abi.ModuleName:
		want, ok := hostSigs[name]
		if !ok {
			return fmt.Errorf("imports %s.%s, which this host does not provide (is the plugin built for a newer hostd?)", mod, name)
		}
		p, r := bytesToTypes(params), bytesToTypes(results)
		if !sameTypes(p, r, want) {
			return fmt.Errorf("imports %s.%s with type %s, want %s", mod, name, sigString(p, r), abiSigString(want))
		}
		return nil
	case abi.WASIModuleName:
		if !allowedWASI[name] {
			return fmt.Errorf("imports %s.%s, which plugins may not use", mod, name)
		}
		return nil
	}
	return fmt.Errorf("imports %s.%s; plugins may import only from %q and %q", mod, name, abi.ModuleName, abi.WASIModuleName)
}

func sameSignature(def api.FunctionDefinition, want abi.Signature) bool {
	return sameTypes(def.ParamTypes(), def.ResultTypes(), want)
}

func sameTypes(params, results []api.ValueType, want abi.Signature) bool {
	eq := func(a []api.ValueType, b []abi.ValueType) bool {
		return slices.EqualFunc(a, b, func(x api.ValueType, y abi.ValueType) bool { return x == api.ValueType(y) })
	}
	return eq(params, want.Params) && eq(results, want.Results)
}

// bytesToTypes converts binary-encoded value types; api.ValueType uses the
// same encoding.
func bytesToTypes(b []byte) []api.ValueType {
	out := make([]api.ValueType, len(b))
	for i, t := range b {
		out[i] = api.ValueType(t)
	}
	return out
}

func sigString(params, results []api.ValueType) string {
	names := func(ts []api.ValueType) string {
		s := make([]string, len(ts))
		for i, t := range ts {
			s[i] = api.ValueTypeName(t)
		}
		return strings.Join(s, ",")
	}
	return "(" + names(params) + ")->(" + names(results) + ")"
}

func abiSigString(s abi.Signature) string {
	conv := func(ts []abi.ValueType) []api.ValueType {
		out := make([]api.ValueType, len(ts))
		for i, t := range ts {
			out[i] = api.ValueType(t)
		}
		return out
	}
	return sigString(conv(s.Params), conv(s.Results))
}

// Load returns the compiled module with the given sha256, compiling the
// bytes load returns when it is not compiled yet, with a reference the
// caller must Release. Compile errors are returned as Compile returns them.
func (e *Engine) Load(ctx context.Context, sha string, load func(sha string) ([]byte, error)) (*Module, error) {
	if m, ok := e.Lookup(sha); ok {
		return m, nil
	}
	wasm, err := load(sha)
	if err != nil {
		return nil, err
	}
	return e.Compile(ctx, wasm)
}

// Lookup returns the compiled module with the given sha256, with a
// reference the caller must Release, if it is compiled.
func (e *Engine) Lookup(sha string) (*Module, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	m, ok := e.modules[sha]
	if ok {
		m.refs++
	}
	return m, ok
}

// Probe instantiates the module once and runs _initialize, without a
// configuration, to prove that it starts within the limits. It is the
// upload-time check for a plugin that no route uses yet.
func (m *Module) Probe(ctx context.Context, plugin string) error {
	p, err := m.NewPool(ctx, Binding{Plugin: plugin, skipConfigure: true})
	if err != nil {
		return err
	}
	p.Close()
	return nil
}
