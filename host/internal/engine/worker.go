package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// The compile worker: a child process (the hostd binary itself, or any
// binary that calls RunCompileWorker when IsCompileWorker is true) that
// compiles one module into a build directory of the compilation cache.
// The parent gives it CompileTimeout and CompileMemoryBytes: it kills the
// child when either runs out, and the child limits its own data segment
// (where the platform allows it). So a module whose compilation explodes
// costs one child, never the host's memory or its control plane.

const (
	workerEnv         = "HOSTD_COMPILE_WORKER"
	workerDirEnv      = "HOSTD_COMPILE_DIR"
	workerMemEnv      = "HOSTD_COMPILE_MEMORY"
	workerPagesEnv    = "HOSTD_COMPILE_PAGES"
	workerExitBadWasm = 3
	workerExitNoSpace = 4
	maxWorkerOutput   = 64 << 10
)

// IsCompileWorker reports whether this process was started as a compile
// worker; its main must then return RunCompileWorker's exit code at once.
func IsCompileWorker() bool { return os.Getenv(workerEnv) == "1" }

// RunCompileWorker compiles the module read from stdin into the directory
// named by the environment and returns the process exit code: 0 when the
// machine code is written, 3 with the reason on stdout when the module is
// invalid, 4 when the disk is full, anything else on failure.
func RunCompileWorker() int {
	dir := os.Getenv(workerDirEnv)
	limit, _ := strconv.ParseInt(os.Getenv(workerMemEnv), 10, 64)
	pages, _ := strconv.ParseUint(os.Getenv(workerPagesEnv), 10, 32)
	if dir == "" || limit <= 0 || pages == 0 {
		fmt.Fprintln(os.Stderr, "compile worker: started without its environment")
		return 2
	}
	limitMemory(limit)
	debug.SetMemoryLimit(limit / 4 * 3)
	wasm, err := io.ReadAll(io.LimitReader(os.Stdin, limit))
	if err != nil {
		fmt.Fprintln(os.Stderr, "compile worker:", err)
		return 2
	}
	err = compileInto(context.Background(), runtimeConfig(uint32(pages)), dir, wasm)
	var abiErr *ABIError
	if errors.As(err, &abiErr) {
		fmt.Fprint(os.Stdout, abiErr.Reason)
		return workerExitBadWasm
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "compile worker:", err)
		if errors.Is(err, syscall.ENOSPC) {
			return workerExitNoSpace
		}
		return 2
	}
	return 0
}

// runWorker runs the compile worker for wasm with dir as its build
// directory, within the compile budget.
func (e *Engine) runWorker(ctx context.Context, dir string, wasm []byte) error {
	ctx, cancel := context.WithTimeout(ctx, e.cfg.CompileTimeout)
	defer cancel()
	argv := e.cfg.CompileWorker
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), workerEnv+"=1", workerDirEnv+"="+dir,
		workerMemEnv+"="+strconv.FormatInt(e.cfg.CompileMemoryBytes, 10),
		workerPagesEnv+"="+strconv.FormatUint(uint64(e.cfg.MemoryLimitPages), 10))
	cmd.Stdin = bytes.NewReader(wasm)
	var stdout, stderr limitedBuffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.SysProcAttr = workerProcAttr()
	cmd.WaitDelay = time.Second
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("engine: start compile worker: %w", err)
	}
	overMemory := watchMemory(cmd.Process, e.cfg.CompileMemoryBytes)
	err := cmd.Wait()
	took := time.Since(start)
	switch {
	case err == nil:
		e.log.Debug("module compiled", "took", took, "bytes", len(wasm), "cpu", cpuTime(cmd.ProcessState), "max_rss", maxRSS(cmd.ProcessState))
		return nil
	case overMemory():
		return &ABIError{Budget: true, Reason: fmt.Sprintf("compiling the module needed more than the compile budget of %d MiB", e.cfg.CompileMemoryBytes>>20)}
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return &ABIError{Budget: true, Reason: fmt.Sprintf("compiling the module took longer than the compile budget of %s", e.cfg.CompileTimeout)}
	case ctx.Err() != nil:
		return fmt.Errorf("engine: compile: %w", ctx.Err())
	}
	var exit *exec.ExitError
	if errors.As(err, &exit) && exit.ExitCode() == workerExitBadWasm {
		return &ABIError{Reason: stdout.String()}
	}
	if errors.As(err, &exit) && exit.ExitCode() == workerExitNoSpace {
		return fmt.Errorf("engine: compile worker: %s: %w", lastLine(stderr.String()), syscall.ENOSPC)
	}
	if outOfMemory(stderr.String()) {
		return &ABIError{Budget: true, Reason: fmt.Sprintf("compiling the module needed more than the compile budget of %d MiB", e.cfg.CompileMemoryBytes>>20)}
	}
	return fmt.Errorf("engine: compile worker failed (%v): %s", err, lastLine(stderr.String()))
}

// limitedBuffer keeps the first maxWorkerOutput bytes written to it.
type limitedBuffer struct{ bytes.Buffer }

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if room := maxWorkerOutput - b.Len(); room > 0 {
		b.Buffer.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	return s
}

// cpuTime is the CPU time an exited worker used.
func cpuTime(ps *os.ProcessState) time.Duration { return ps.UserTime() + ps.SystemTime() }

// outOfMemory reports whether a worker's stderr is the Go runtime failing
// for lack of memory: its own "out of memory", or a segmentation fault in
// the runtime, which Go 1.26's collector can die of when the data segment
// limit (limitMemory) refuses a mapping (1 in 3 compiles of examples/hello
// under a 64 MiB budget; the worker runs no guest code, so a fault can only
// come from the runtime).
func outOfMemory(stderr string) bool {
	return strings.Contains(stderr, "out of memory") || strings.Contains(stderr, "cannot allocate memory") ||
		strings.HasPrefix(strings.TrimSpace(stderr), "SIGSEGV: segmentation violation")
}
