//go:build linux

package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// child is a server the harness started. It runs in a process group of its
// own (so that stopping it stops what it started, such as hostd's compile
// worker) and is killed by the kernel if the harness dies first.
type child struct {
	name string
	cmd  *exec.Cmd
	log  string
	done chan struct{}
}

var (
	childMu  sync.Mutex
	children []*child
)

// startChild starts args (pinned to cpus with taskset unless cpus is ""),
// its output going to logPath.
func startChild(name, cpus, logPath string, env []string, args ...string) (*child, error) {
	if cpus != "" {
		args = append([]string{"taskset", "-c", cpus}, args...)
	}
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("loadbench: %w", err)
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("loadbench: starting %s: %w", name, err)
	}
	c := &child{name: name, cmd: cmd, log: logPath, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); logf.Close(); close(c.done) }()
	childMu.Lock()
	children = append(children, c)
	childMu.Unlock()
	return c, nil
}

// pid is the server's process ID (taskset execs the server, keeping it).
func (c *child) pid() int { return c.cmd.Process.Pid }

// exited reports whether the process has ended.
func (c *child) exited() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// stop sends SIGTERM to the child's process group, then SIGKILL after 5 s.
func (c *child) stop() {
	if c.exited() {
		return
	}
	_ = syscall.Kill(-c.pid(), syscall.SIGTERM)
	select {
	case <-c.done:
	case <-time.After(5 * time.Second):
		_ = syscall.Kill(-c.pid(), syscall.SIGKILL)
		<-c.done
	}
}

// stopChildren stops every child started, newest first.
func stopChildren() {
	childMu.Lock()
	cs := children
	children = nil
	childMu.Unlock()
	for i := len(cs) - 1; i >= 0; i-- {
		cs[i].stop()
	}
}

// logTail returns the last lines of the child's output, for error messages.
func (c *child) logTail() string {
	b, _ := os.ReadFile(c.log)
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > 20 {
		lines = lines[len(lines)-20:]
	}
	return strings.Join(lines, "\n")
}

// waitHTTP polls url until it answers 200, the child exits or ctx ends
// (at most 60 s).
func waitHTTP(ctx context.Context, c *child, url string) error {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if c.exited() {
			return fmt.Errorf("loadbench: %s exited before it was ready:\n%s", c.name, c.logTail())
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("loadbench: %s not ready at %s: %w\n%s", c.name, url, ctx.Err(), c.logTail())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// freeAddrs returns n distinct loopback addresses with free ports.
func freeAddrs(n int) ([]string, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	var addrs []string
	for i := 0; i < n; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, errors.Join(errors.New("loadbench: no free port"), err)
		}
		ls = append(ls, l)
		addrs = append(addrs, l.Addr().String())
	}
	return addrs, nil
}
