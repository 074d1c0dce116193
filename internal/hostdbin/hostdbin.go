// Package hostdbin builds, once per test binary and without the race detector
// whatever the test run uses, the binaries tests run as child processes:
// ./cmd/hostd for the hostile-plugin suite (whose subject's speed and memory
// are what it measures), and the calling package's own test binary as the
// compile worker of its test hosts (a race-instrumented worker compiles a
// Go-built plugin 10× slower: 40 s instead of 4 s for jwt-auth).
package hostdbin

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"

	"github.com/hostd/hostd/internal/guestbuild"
)

var (
	mu    sync.Mutex
	dir   string
	built = map[string]string{} // what → path
)

// Build builds ./cmd/hostd (once) and returns the binary's path. Call
// Cleanup from TestMain after m.Run to remove it.
func Build() (string, error) {
	root, err := guestbuild.Root()
	if err != nil {
		return "", err
	}
	return build("hostd", root, "build", "./cmd/hostd")
}

// TestWorker builds the test binary of the package in the working directory
// (go test runs a package's tests there) and returns its path, for
// Config.CompileWorker: the package's TestMain must first run
// host.RunCompileWorker when host.IsCompileWorker. A built hostd does not
// do: wazero names its cache directory after its version in the binary's
// build information, which test binaries do not carry, so the test host
// would never read what that worker compiled.
func TestWorker() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("hostdbin: %w", err)
	}
	return build("worker", wd, "test", "-c", ".")
}

// build runs `go VERB -o OUT ARGS...` in directory in, once per name.
func build(name, in, verb string, args ...string) (string, error) {
	mu.Lock()
	defer mu.Unlock()
	if p, ok := built[name]; ok {
		return p, nil
	}
	if dir == "" {
		d, err := os.MkdirTemp("", "hostd-bin-")
		if err != nil {
			return "", fmt.Errorf("hostdbin: %w", err)
		}
		dir = d
	}
	out := filepath.Join(dir, name)
	cmd := exec.Command("go", append([]string{verb, "-o", out}, args...)...)
	cmd.Dir = in
	cmd.Env = append(os.Environ(), "GOFLAGS=", "CGO_ENABLED=0")
	var log bytes.Buffer
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("hostdbin: go %s %s: %v\n%s", verb, strings.Join(args, " "), err, log.String())
	}
	built[name] = out
	return out, nil
}

// Cleanup removes the binaries this package built.
func Cleanup() {
	mu.Lock()
	defer mu.Unlock()
	if dir != "" {
		_ = os.RemoveAll(dir)
		dir, built = "", map[string]string{}
	}
}
