package engine

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/hostd/hostd/host/internal/sandbox"
	"github.com/hostd/hostd/internal/guestbuild"
	"github.com/hostd/hostd/internal/hostdbin"
	"github.com/hostd/hostd/internal/testwasm"
	"github.com/tetratelabs/wazero/experimental"
)

// TestMain lets this test binary serve as its own compile worker.
func TestMain(m *testing.M) {
	if IsCompileWorker() {
		os.Exit(RunCompileWorker())
	}
	os.Exit(m.Run())
}

func self(t testing.TB) []string {
	p, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return []string{p}
}

// cacheFiles returns the compiled-code files of a cache directory.
func cacheFiles(t *testing.T, dir string) []string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "wazero-*", "*"))
	return files
}

func TestCompileWorkerFillsTheCache(t *testing.T) {
	dir := t.TempDir()
	e := newEngine(t, Config{CacheDir: dir, CompileWorker: self(t)})
	p := newPool(t, e, testwasm.Hello, Binding{Plugin: "hello"})
	if _, err := serve(t, p); err != nil {
		t.Fatal(err)
	}
	if n := len(cacheFiles(t, dir)); n != 1 {
		t.Fatalf("%d cache files, want 1", n)
	}
	manifests, _ := filepath.Glob(filepath.Join(dir, "hostd-manifests", "*.json"))
	if len(manifests) != 1 {
		t.Fatalf("%d manifests, want 1", len(manifests))
	}
}

func TestCompileBudget(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a Go guest")
	}
	wasm := guestbuild.Build(t, "examples/hello")
	for _, tc := range []struct {
		name string
		cfg  Config
		want string
	}{
		{"time", Config{CompileTimeout: 50 * time.Millisecond}, "took longer than the compile budget of 50ms"},
		{"memory", Config{CompileMemoryBytes: 64 << 20}, "needed more than the compile budget of 64 MiB"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.cfg.CacheDir, tc.cfg.CompileWorker = t.TempDir(), self(t)
			e := newEngine(t, tc.cfg)
			_, err := e.Compile(context.Background(), wasm)
			var abiErr *ABIError
			if !errors.As(err, &abiErr) || !abiErr.Budget || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("compile: %v, want a budget error %q", err, tc.want)
			}
			if n := len(cacheFiles(t, tc.cfg.CacheDir)); n != 0 {
				t.Fatalf("%d cache files left by a failed compile", n)
			}
		})
	}
}

// TestDamagedCacheIsRebuilt flips a byte in, or truncates, the compiled
// code of a module; the next engine on the same cache must detect it and
// compile again instead of failing.
func TestDamagedCacheIsRebuilt(t *testing.T) {
	for name, damage := range map[string]func(b []byte) []byte{
		"flipped byte": func(b []byte) []byte { b[len(b)/2] ^= 0x40; return b },
		"truncated":    func(b []byte) []byte { return b[:len(b)/3] },
		"function table": func(b []byte) []byte { // outside wazero's own checksum
			b[20] ^= 0x01
			return b
		},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			e := newEngine(t, Config{CacheDir: dir})
			m, err := e.Compile(context.Background(), testwasm.Echo)
			if err != nil {
				t.Fatal(err)
			}
			m.Release(context.Background())
			files := cacheFiles(t, dir)
			if len(files) != 1 {
				t.Fatalf("%d cache files", len(files))
			}
			b, _ := os.ReadFile(files[0])
			damaged := damage(b)
			if err := os.WriteFile(files[0], damaged, 0o600); err != nil {
				t.Fatal(err)
			}
			e2 := newEngine(t, Config{CacheDir: dir})
			p := newPool(t, e2, testwasm.Echo, Binding{Plugin: "echo"})
			ex, err := serve(t, p)
			if err != nil || ex.Status != 200 {
				t.Fatalf("after the damage: %v (status %d)", err, ex.Status)
			}
			manifests, _ := filepath.Glob(filepath.Join(dir, "hostd-manifests", "*.json"))
			if len(manifests) != 1 {
				t.Fatalf("%d manifests after the rebuild", len(manifests))
			}
			key := strings.TrimSuffix(filepath.Base(manifests[0]), ".json")
			if !e2.code.verify(key) {
				t.Fatal("the rebuilt entry does not match its manifest")
			}
			if after, _ := os.ReadFile(files[0]); string(after) == string(damaged) {
				t.Fatal("the damaged cache file is still there")
			}
		})
	}
}

// A worker from another build writes compiled code under another wazero
// version directory, which this process would never read (it would compile
// again, in-process and outside the budget): the compile fails instead.
// The test binary's wazero version is "dev" (test binaries carry no module
// versions); a built hostd's is the one in go.mod.
func TestCompileWorkerOfAnotherBuildIsRefused(t *testing.T) {
	bin, err := hostdbin.Build()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	e := newEngine(t, Config{CacheDir: dir, CompileWorker: []string{bin}})
	_, err = e.Compile(context.Background(), testwasm.Hello)
	if err == nil || !strings.Contains(err.Error(), "compile worker's wazero writes") {
		t.Fatalf("compile with a worker of another build: %v, want a refusal", err)
	}
	if n := len(cacheFiles(t, dir)); n != 0 {
		t.Fatalf("%d cache files left", n)
	}
}

// TestParallelCompileSameCode pins that compiling a module's functions
// on several goroutines (withCompileWorkers) writes the same cache entry
// as compiling them on one.
func TestParallelCompileSameCode(t *testing.T) {
	cfg := Config{}.withDefaults()
	parsed, err := sandbox.Parse(testwasm.Get("fuzzguest"), cfg.Limits)
	if err != nil {
		t.Fatal(err)
	}
	wasm, err := sandbox.Instrument(parsed, sandbox.Options{StackBudget: int32(cfg.StackBudgetBytes / sandbox.StackUnit)})
	if err != nil {
		t.Fatal(err)
	}
	var files [][]byte
	for _, workers := range []int{1, 2, 4} {
		dir := t.TempDir()
		ctx := withWorkers(context.Background(), workers)
		if err := compileInto(ctx, runtimeConfig(16), dir, wasm); err != nil {
			t.Fatal(err)
		}
		f := cacheFiles(t, dir)
		if len(f) != 1 {
			t.Fatalf("%d workers: %d cache files, want 1", workers, len(f))
		}
		b, err := os.ReadFile(f[0])
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, b)
	}
	for i := 1; i < len(files); i++ {
		if !bytes.Equal(files[0], files[i]) {
			t.Fatalf("the cache entry differs with %d workers", []int{1, 2, 4}[i])
		}
	}
}

// TestCompileWorkersDefault: without a count, the compile asks wazero for
// one goroutine per GOMAXPROCS.
func TestCompileWorkersDefault(t *testing.T) {
	if got, want := experimental.GetCompilationWorkers(withCompileWorkers(context.Background())), runtime.GOMAXPROCS(0); got != want {
		t.Fatalf("%d compilation workers, want GOMAXPROCS (%d)", got, want)
	}
	if got := experimental.GetCompilationWorkers(withCompileWorkers(withWorkers(context.Background(), 3))); got != 3 {
		t.Fatalf("%d compilation workers, want the 3 asked for", got)
	}
}
