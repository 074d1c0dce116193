//go:build linux

package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/hostd/hostd/bench/internal/wrk"
)

// artifacts are what the harness built from the checkout.
type artifacts struct {
	hostd, native string // binaries
	goHello       []byte // examples/hello, Go-built
	watHello      []byte // internal/testwasm/testdata/hello.wasm
	jwks, token   []byte // examples/protect's demo key set and token
}

// repoRoot returns the directory of the main module's go.mod.
func repoRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("loadbench: go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", fmt.Errorf("loadbench: run from inside the hostd checkout")
	}
	return filepath.Dir(mod), nil
}

// build compiles hostd, the native server and the Go hello plugin into dir.
func build(root, dir string) (*artifacts, error) {
	a := &artifacts{hostd: filepath.Join(dir, "hostd"), native: filepath.Join(dir, "native")}
	if err := goBuild(root, nil, "-o", a.hostd, "./cmd/hostd"); err != nil {
		return nil, err
	}
	if err := goBuild(root, nil, "-o", a.native, "./bench/native"); err != nil {
		return nil, err
	}
	wasm := filepath.Join(dir, "hello.wasm")
	env := []string{"GOOS=wasip1", "GOARCH=wasm", "GOWORK=off"}
	if err := goBuild(filepath.Join(root, "examples", "hello"), env,
		"-buildmode=c-shared", "-trimpath", "-o", wasm, "."); err != nil {
		return nil, err
	}
	var err error
	read := func(p string) []byte {
		if err != nil {
			return nil
		}
		var b []byte
		b, err = os.ReadFile(p)
		return b
	}
	a.goHello = read(wasm)
	a.watHello = read(filepath.Join(root, "internal", "testwasm", "testdata", "hello.wasm"))
	a.jwks = read(filepath.Join(root, "examples", "protect", "jwks.json"))
	a.token = bytes.TrimSpace(read(filepath.Join(root, "examples", "protect", "token.txt")))
	if err != nil {
		return nil, fmt.Errorf("loadbench: %w", err)
	}
	return a, nil
}

func goBuild(in string, env []string, args ...string) error {
	cmd := exec.Command("go", append([]string{"build"}, args...)...)
	cmd.Dir = in
	cmd.Env = append(os.Environ(), env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("loadbench: go build %s (in %s): %w\n%s", strings.Join(args, " "), in, err, out)
	}
	return nil
}

// machine describes where the figures come from.
type machine struct {
	CPU       string `json:"cpu"`
	Cores     int    `json:"cores"`
	Kernel    string `json:"kernel"`
	Go        string `json:"go"`
	Wrk       string `json:"wrk"`
	Date      string `json:"date"`
	Commit    string `json:"commit"`
	Placement string `json:"placement"`
	// Load is /proc/loadavg's 1-minute figure before the first and after
	// the last run: other work on the machine while it measured.
	Load [2]string `json:"loadavg_1m"`
}

// loadAvg returns the 1-minute load average.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return "?"
	}
	return f[0]
}

func describeMachine(root, placement, loadBefore string) machine {
	m := machine{Cores: runtime.NumCPU(), Go: runtime.Version(), Wrk: wrk.Version(),
		Date: time.Now().UTC().Format(time.RFC3339), Placement: placement, CPU: "unknown",
		Load: [2]string{loadBefore, loadAvg()}}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPU = strings.TrimSpace(v)
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	if out, err := exec.Command("go", "env", "GOVERSION").Output(); err == nil {
		m.Go = strings.TrimSpace(string(out))
	}
	git := func(args ...string) string {
		cmd := exec.Command("git", args...)
		cmd.Dir = root
		out, _ := cmd.Output()
		return strings.TrimSpace(string(out))
	}
	m.Commit = git("rev-parse", "--short=12", "HEAD")
	if git("status", "--porcelain", "--untracked-files=no") != "" {
		m.Commit += "+dirty"
	}
	return m
}
