package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"runtime"
	"syscall"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/experimental"
)

// compileCode compiles an instrumented module. With a cache directory the
// machine code is built apart from the engine's runtime (buildCode: in a
// compile worker when one is configured) into the cache, verified, and
// then loaded by the runtime from the cache; a cache entry that fails
// verification or that wazero cannot load is rebuilt once.
func (e *Engine) compileCode(ctx context.Context, wasm []byte) (wazero.CompiledModule, error) {
	if e.code == nil {
		cm, err := e.rt.CompileModule(withCompileWorkers(ctx), wasm)
		if err != nil {
			return nil, &ABIError{Reason: "invalid module: " + err.Error()}
		}
		return cm, nil
	}
	sum := sha256.Sum256(wasm)
	key := hex.EncodeToString(sum[:])
	var lastErr error
	for attempt := 0; attempt < 2; attempt++ {
		if !e.code.verify(key) {
			if err := e.buildCode(ctx, key, wasm); err != nil {
				return nil, err
			}
		}
		cm, err := e.rt.CompileModule(ctx, wasm)
		if err == nil {
			return cm, nil
		}
		e.log.Warn("compiled code from the cache is unusable; rebuilding it", "key", key, "error", err)
		e.code.remove(key)
		lastErr = err
	}
	return nil, &ABIError{Reason: "invalid module: " + lastErr.Error()}
}

// buildCode compiles wasm into the cache entry key, at most
// MaxConcurrentCompiles at a time.
func (e *Engine) buildCode(ctx context.Context, key string, wasm []byte) error {
	select {
	case e.slots <- struct{}{}:
		defer func() { <-e.slots }()
	case <-ctx.Done():
		return fmt.Errorf("engine: waiting to compile: %w", ctx.Err())
	}
	tmp, err := os.MkdirTemp(e.code.dir, "build-")
	if err != nil {
		return fmt.Errorf("engine: build dir: %w", err)
	}
	defer os.RemoveAll(tmp)
	if len(e.cfg.CompileWorker) > 0 {
		err = e.runWorker(ctx, tmp, wasm)
	} else {
		err = compileInto(ctx, e.rc, tmp, wasm)
	}
	if err != nil {
		return err
	}
	return e.code.install(key, tmp)
}

// compileInto compiles wasm with a runtime of configuration rc whose
// compilation cache is dir, which leaves the machine code in dir.
func compileInto(ctx context.Context, rc wazero.RuntimeConfig, dir string, wasm []byte) error {
	cache, err := wazero.NewCompilationCacheWithDir(dir)
	if err != nil {
		return fmt.Errorf("engine: build cache: %w", err)
	}
	defer cache.Close(ctx)
	rt := wazero.NewRuntimeWithConfig(ctx, rc.WithCompilationCache(cache))
	defer rt.Close(ctx)
	cm, err := rt.CompileModule(withCompileWorkers(ctx), wasm)
	if errors.Is(err, syscall.ENOSPC) { // writing the cache entry: the disk's fault, not the module's
		return fmt.Errorf("engine: write compiled code: %w", err)
	}
	if err != nil {
		return &ABIError{Reason: "invalid module: " + err.Error()}
	}
	return cm.Close(ctx)
}

// withCompileWorkers lets wazero compile a module's functions on every
// CPU this process may use (one goroutine per GOMAXPROCS) instead of one,
// or on the count withWorkers put in ctx. The machine code is the same
// whatever the order the functions compile in (wazero links them in index
// order), so the cache entry is too; the compile budget (time, memory)
// bounds the whole compilation as before.
func withCompileWorkers(ctx context.Context) context.Context {
	n, ok := ctx.Value(workersKey{}).(int)
	if !ok || n < 1 {
		n = runtime.GOMAXPROCS(0)
	}
	return experimental.WithCompilationWorkers(ctx, n)
}

type workersKey struct{}

// withWorkers sets the number of goroutines withCompileWorkers asks for.
func withWorkers(ctx context.Context, n int) context.Context {
	return context.WithValue(ctx, workersKey{}, n)
}
