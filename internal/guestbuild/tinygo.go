package guestbuild

import (
	"os"
	"path/filepath"
	"testing"
)

// TinyGoEnv names the directories of TinyGo builds for the opt-in TinyGo
// tests and benchmarks: a list separated like PATH, each directory holding
// hello.wasm (examples/hello) and optionally jwt-auth.wasm, rate-limit.wasm
// and circuit-breaker.wasm (plugins/), built with
//
//	tinygo build -target=wasip1 -buildmode=c-shared -scheduler=none -no-debug [-gc=GC] -o DIR/NAME.wasm .
//
// CI does not install TinyGo, so these tests skip there.
const TinyGoEnv = "HOSTD_TINYGO_DIST"

// TinyGoDist is one directory of TinyGo builds; Name is its base name
// (e.g. tinygo-dist-leaking), which names its sub-tests and benchmarks.
type TinyGoDist struct{ Name, Dir string }

// TinyGoDists returns the directories listed in HOSTD_TINYGO_DIST, or
// skips tb when it is unset.
func TinyGoDists(tb testing.TB) []TinyGoDist {
	tb.Helper()
	out := ListTinyGoDists()
	if len(out) == 0 {
		tb.Skip(TinyGoEnv + " is not set: no TinyGo builds to test (see internal/guestbuild/tinygo.go)")
	}
	return out
}

// ListTinyGoDists returns the directories listed in HOSTD_TINYGO_DIST,
// none when it is unset: for benchmarks that add TinyGo guests to others.
func ListTinyGoDists() []TinyGoDist {
	var out []TinyGoDist
	for _, dir := range filepath.SplitList(os.Getenv(TinyGoEnv)) {
		if dir != "" {
			out = append(out, TinyGoDist{Name: filepath.Base(filepath.Clean(dir)), Dir: dir})
		}
	}
	return out
}

// Read returns DIR/NAME.wasm; it fails tb when the file is missing, since
// a listed directory without the build is a mistake in the setup.
func (d TinyGoDist) Read(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join(d.Dir, name+".wasm"))
	if err != nil {
		tb.Fatalf("guestbuild: %s: %v", TinyGoEnv, err)
	}
	return b
}

// Has reports whether the directory holds NAME.wasm.
func (d TinyGoDist) Has(name string) bool {
	return fileExists(filepath.Join(d.Dir, name+".wasm"))
}
