package engine

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/hostd/hostd/host/internal/sandbox"
	"github.com/hostd/hostd/internal/testwasm"
)

func preparedFiles(t *testing.T, dir string) []string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "hostd-prepared", "*"))
	return files
}

// TestPreparedModuleCache: a compiled module's instrumented bytes are kept
// in the cache and used by the next engine on the same directory; a
// damaged entry is replaced; a module that fails validation leaves none.
func TestPreparedModuleCache(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	e := newEngine(t, Config{CacheDir: dir})
	if _, err := e.Compile(ctx, testwasm.NoMarker); err == nil {
		t.Fatal("NoMarker compiled")
	}
	if f := preparedFiles(t, dir); len(f) != 0 {
		t.Fatalf("a refused module left prepared files: %v", f)
	}
	m, err := e.Compile(ctx, testwasm.Hello)
	if err != nil {
		t.Fatal(err)
	}
	m.Release(ctx)
	files := preparedFiles(t, dir)
	if len(files) != 2 {
		t.Fatalf("prepared files %v, want a .json and a .wasm", files)
	}
	var wasmFile string
	for _, f := range files {
		if filepath.Ext(f) == ".wasm" {
			wasmFile = f
		}
	}
	good, err := os.ReadFile(wasmFile)
	if err != nil {
		t.Fatal(err)
	}
	// The entry is what Instrument makes of the module.
	want, err := prepare(testwasm.Hello, e.cfg.Limits, sandbox.Options{
		StackBudget: int32(e.cfg.StackBudgetBytes / sandbox.StackUnit),
		StackSoft:   int32(e.cfg.StackSoftBytes / sandbox.StackUnit),
	})
	if err != nil || string(want.wasm) != string(good) {
		t.Fatalf("the prepared entry is not the instrumented module (err %v)", err)
	}
	// Damaged: detected, the module prepared again, the entry rewritten.
	bad := append([]byte(nil), good...)
	bad[len(bad)/2] ^= 0xff
	if err := os.WriteFile(wasmFile, bad, 0o600); err != nil {
		t.Fatal(err)
	}
	e2 := newEngine(t, Config{CacheDir: dir})
	p := newPool(t, e2, testwasm.Hello, Binding{Plugin: "hello"})
	if _, err := serve(t, p); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(wasmFile); string(b) != string(good) {
		t.Fatal("the damaged prepared entry was not rewritten")
	}
}

// TestPreparedModuleCacheKeepsTheLimits: an engine with tighter load limits
// refuses a module that another engine prepared into the same cache.
func TestPreparedModuleCacheKeepsTheLimits(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	m, err := newEngine(t, Config{CacheDir: dir}).Compile(ctx, testwasm.Hello)
	if err != nil {
		t.Fatal(err)
	}
	m.Release(ctx)
	if len(preparedFiles(t, dir)) == 0 {
		t.Fatal("nothing prepared")
	}
	lim := Config{}.withDefaults().Limits
	lim.Functions = 1 // hello defines two
	_, err = newEngine(t, Config{CacheDir: dir, Limits: lim}).Compile(ctx, testwasm.Hello)
	var abiErr *ABIError
	if !errors.As(err, &abiErr) || !abiErr.OverLimit {
		t.Fatalf("compile under tighter limits: %v, want an over-limit refusal", err)
	}
}
