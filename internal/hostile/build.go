package hostile

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
)

var (
	buildOnce sync.Once
	buildDir  string
	buildBin  string
	buildErr  error
)

// Binary builds ./cmd/hostd once per test binary (without the race
// detector, whatever the test run uses: the child's speed and memory are
// what the suite measures) and returns its path. Cleanup removes it; call
// it from TestMain after m.Run.
func Binary() (string, error) {
	buildOnce.Do(func() {
		root, err := repoRoot()
		if err != nil {
			buildErr = err
			return
		}
		buildDir, err = os.MkdirTemp("", "hostile-hostd-")
		if err != nil {
			buildErr = fmt.Errorf("hostile: %w", err)
			return
		}
		bin := filepath.Join(buildDir, "hostd")
		cmd := exec.Command("go", "build", "-o", bin, "./cmd/hostd")
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "GOFLAGS=", "CGO_ENABLED=0")
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			buildErr = fmt.Errorf("hostile: go build ./cmd/hostd: %v\n%s", err, out.String())
			return
		}
		buildBin = bin
	})
	return buildBin, buildErr
}

// Cleanup removes the binary built by Binary.
func Cleanup() {
	if buildDir != "" {
		_ = os.RemoveAll(buildDir)
	}
}

// repoRoot finds the root module's directory from the working directory
// (go test runs in the package's directory).
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("hostile: %w", err)
	}
	for {
		b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && strings.HasPrefix(string(b), "module github.com/hostd/hostd\n") {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("hostile: no go.mod of github.com/hostd/hostd above the working directory")
		}
		dir = parent
	}
}
