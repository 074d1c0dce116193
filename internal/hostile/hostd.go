package hostile

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hostd/hostd/internal/hostdbin"
)

// Options configure a child hostd.
type Options struct {
	// Config is merged over BaseConfig: nested objects merge, other values
	// replace. Unknown fields make hostd refuse to start (its config decoder
	// is strict), which the harness reports as such.
	Config map[string]any
	// DataDir reuses a data directory (a restart); default a new temp dir.
	DataDir string
}

// BaseConfig is every child's configuration before Options.Config.
// Quarantine is off (a threshold no attack reaches): each attack test
// measures the mechanism it is about — deadline, stack, memory, budgets —
// on every request, not the fast 503s that quarantine would answer after
// a few failures. The quarantine tests turn it on (WithQuarantine).
func BaseConfig() map[string]any {
	return map[string]any{
		"log_level": "info",
		"limits": map[string]any{
			"call_timeout":      CallTimeout.String(),
			"configure_timeout": ConfigureTimeout.String(),
			"quarantine":        map[string]any{"after": 1 << 30},
		},
		"server": map[string]any{"shutdown_timeout": ShutdownTimeout.String()},
	}
}

// WithQuarantine is the config of a test about quarantine: the defaults
// (5 failures in a row, 1 s first backoff, 30 s after a crash).
func WithQuarantine() map[string]any {
	return map[string]any{"limits": map[string]any{"quarantine": map[string]any{"after": 5}}}
}

// Hostd is a hostd child process.
type Hostd struct {
	t    testing.TB
	opts Options

	DataDir, ConfigPath string
	PID                 int
	DataURL, AdminURL   string // http://127.0.0.1:PORT
	Token               string // admin token
	StartedIn           time.Duration

	cmd   *exec.Cmd
	log   *logTail
	done  chan struct{}
	state *os.ProcessState
	watch *watchdog
}

// Start starts hostd and waits until it logged "hostd started"; the child
// is SIGKILLed (with its process group) in t.Cleanup, and its stderr tail
// is printed if the test failed.
func Start(t testing.TB, opts Options) *Hostd {
	t.Helper()
	h, err := start(t, opts)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func start(t testing.TB, opts Options) (*Hostd, error) {
	bin, err := hostdbin.Build()
	if err != nil {
		return nil, err
	}
	if opts.DataDir == "" {
		opts.DataDir = filepath.Join(t.TempDir(), "data")
	}
	cfg := merge(BaseConfig(), opts.Config)
	b, _ := json.MarshalIndent(cfg, "", "  ")
	cfgPath := filepath.Join(t.TempDir(), "hostd.json")
	if err := os.WriteFile(cfgPath, b, 0o600); err != nil {
		return nil, fmt.Errorf("hostile: %w", err)
	}
	h := &Hostd{t: t, opts: opts, DataDir: opts.DataDir, ConfigPath: cfgPath,
		log: newLogTail(400), done: make(chan struct{})}
	h.cmd = exec.Command(bin, "serve", "--config", cfgPath, "--data-dir", opts.DataDir,
		"--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0")
	h.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // so Kill reaches its workers
	ready := make(chan startLine, 1)
	h.cmd.Stderr = &lineWriter{h: h, ready: ready}
	h.cmd.WaitDelay = 2 * time.Second // workers that inherited stderr cannot hold Wait
	begin := time.Now()
	if err := h.cmd.Start(); err != nil {
		return nil, fmt.Errorf("hostile: start hostd: %w", err)
	}
	h.PID = h.cmd.Process.Pid
	t.Cleanup(h.cleanup)
	go func() {
		_ = h.cmd.Wait()
		h.state = h.cmd.ProcessState
		close(h.done)
	}()
	select {
	case sl := <-ready:
		h.DataURL, h.AdminURL = "http://"+sl.Listen, "http://"+sl.AdminListen
	case <-h.done:
		return nil, fmt.Errorf("hostile: hostd exited before it started (%s) with config\n%s\nstderr:\n%s",
			h.state, b, h.log.Tail(40))
	case <-time.After(30 * time.Second):
		return nil, fmt.Errorf("hostile: hostd did not log \"hostd started\" within 30s; stderr:\n%s", h.log.Tail(40))
	}
	h.StartedIn = time.Since(begin)
	tok, err := exec.Command(bin, "token", "--data-dir", opts.DataDir, "--ttl", "2h").Output()
	if err != nil {
		return nil, fmt.Errorf("hostile: hostd token: %w", err)
	}
	h.Token = strings.TrimSpace(string(tok))
	h.watch = startWatchdog(h)
	return h, nil
}

// Restart starts a new hostd on the same data directory and configuration.
// The receiver must have exited (Term or Kill first).
func (h *Hostd) Restart(t testing.TB) *Hostd {
	t.Helper()
	if h.Alive() == nil {
		t.Fatalf("hostile: Restart while hostd (pid %d) still runs", h.PID)
	}
	return Start(t, h.opts)
}

// Alive returns nil while the child runs, else how it ended.
func (h *Hostd) Alive() error {
	select {
	case <-h.done:
	default:
		return nil
	}
	msg := fmt.Sprintf("hostd (pid %d) is gone: %s", h.PID, h.state)
	if r := h.watch.killedFor(); r != "" {
		msg += " — killed by the harness: " + r
	}
	if crash := h.log.Crash(); crash != "" {
		msg += "; stderr: " + crash
	}
	return errors.New(msg)
}

// Exited is closed when the child has exited.
func (h *Hostd) Exited() <-chan struct{} { return h.done }

// Term sends SIGTERM and waits up to ShutdownTimeout + ShutdownGrace for the
// exit. It returns whether the child exited and how long it took.
func (h *Hostd) Term() (bool, time.Duration) {
	begin := time.Now()
	_ = h.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-h.done:
		return true, time.Since(begin)
	case <-time.After(ShutdownTimeout + ShutdownGrace):
		return false, time.Since(begin)
	}
}

// Kill SIGKILLs the child and its process group and waits for the exit.
func (h *Hostd) Kill() {
	_ = syscall.Kill(-h.PID, syscall.SIGKILL)
	select {
	case <-h.done:
	case <-time.After(10 * time.Second):
		h.t.Errorf("hostile: hostd (pid %d) did not exit 10s after SIGKILL", h.PID)
	}
}

func (h *Hostd) cleanup() {
	select {
	case <-h.done:
	default:
		h.Kill()
	}
	h.watch.stop()
	if h.t.Failed() {
		h.t.Logf("hostd pid %d: peak RSS seen %s; %d stderr lines, most frequent: %s; last lines:\n%s",
			h.PID, MiB(h.watch.maxRSS()), h.log.Lines(), h.log.TopMessages(5), h.log.Tail(15))
	}
}

// Logs returns how many stderr lines had the given JSON "msg".
func (h *Hostd) Logs(msg string) int { return h.log.Count(msg) }

// LogTail returns the last n stderr lines.
func (h *Hostd) LogTail(n int) string { return h.log.Tail(n) }

type startLine struct {
	Msg         string `json:"msg"`
	Listen      string `json:"listen"`
	AdminListen string `json:"admin_listen"`
}

// lineWriter is the child's stderr: it keeps lines in the tail and reports
// the "hostd started" line.
type lineWriter struct {
	h     *Hostd
	ready chan<- startLine
	sent  bool
	buf   []byte
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.buf = append(w.buf, p...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			if len(w.buf) > 64<<10 { // a line without end: keep its start
				w.line(string(w.buf))
				w.buf = w.buf[:0]
			}
			return len(p), nil
		}
		w.line(string(w.buf[:i]))
		w.buf = w.buf[i+1:]
	}
}

func (w *lineWriter) line(line string) {
	w.h.log.Add(line)
	if !w.sent && strings.Contains(line, `"hostd started"`) {
		var sl startLine
		if json.Unmarshal([]byte(line), &sl) == nil && sl.Listen != "" {
			w.ready <- sl
			w.sent = true
		}
	}
}

// merge returns base with over merged in (nested maps merge).
func merge(base, over map[string]any) map[string]any {
	out := maps.Clone(base)
	for k, v := range over {
		if vm, ok := v.(map[string]any); ok {
			if bm, ok := out[k].(map[string]any); ok {
				out[k] = merge(bm, vm)
				continue
			}
		}
		out[k] = v
	}
	return out
}
