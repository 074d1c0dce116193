// Package guestbuild compiles Go plugin sources to WebAssembly for tests and
// benchmarks, with the same command a plugin author runs:
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o NAME.wasm .
//
// Each module directory is built once per test binary; the Go build cache
// makes repeated runs fast.
package guestbuild

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
)

var (
	mu    sync.Mutex
	built = map[string][]byte{}
)

// Build compiles the plugin module in dir (relative to the repository root)
// and returns the .wasm bytes. It fails tb on a build error.
func Build(tb testing.TB, dir string) []byte {
	tb.Helper()
	return BuildTags(tb, dir, "")
}

// BuildTags is Build with build tags: tags is a comma-separated list, as
// go build -tags takes it ("" for none).
func BuildTags(tb testing.TB, dir, tags string) []byte {
	tb.Helper()
	abs := filepath.Join(RepoRoot(tb), dir)
	key := abs + "\x00" + tags
	mu.Lock()
	defer mu.Unlock()
	if b, ok := built[key]; ok {
		return b
	}
	out := filepath.Join(tb.TempDir(), filepath.Base(dir)+".wasm")
	cmd := exec.Command(goTool(), "build", "-buildmode=c-shared", "-trimpath", "-tags="+tags, "-o", out, ".")
	cmd.Dir = abs
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "GOWORK=off")
	if msg, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("guestbuild: building %s: %v\n%s", dir, err, msg)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		tb.Fatal(err)
	}
	built[key] = b
	return b
}

// RepoRoot returns the repository root (the directory of the root go.mod).
func RepoRoot(tb testing.TB) string {
	tb.Helper()
	root, err := Root()
	if err != nil {
		tb.Fatal(err)
	}
	return root
}

// Root is RepoRoot for callers without a testing.TB (a TestMain).
func Root() (string, error) {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return "", errors.New("guestbuild: no caller information")
	}
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", "..")), nil
}

func goTool() string {
	if p := filepath.Join(runtime.GOROOT(), "bin", "go"); fileExists(p) {
		return p
	}
	return "go"
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
