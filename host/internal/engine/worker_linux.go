package engine

import (
	"bytes"
	"os"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"
)

// workerProcAttr kills the worker with its parent.
func workerProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}

// limitMemory caps the worker's data segment, which on Linux counts every
// private writable mapping: the Go heap and wazero's code buffers. The
// race detector's shadow memory would count too, so race builds rely on
// the parent's watch alone.
func limitMemory(n int64) {
	if raceEnabled {
		return
	}
	lim := syscall.Rlimit{Cur: uint64(n), Max: uint64(n)}
	_ = syscall.Setrlimit(syscall.RLIMIT_DATA, &lim)
}

// watchMemory kills p when its resident memory passes limit, polling
// /proc every 10 ms until p exits. The result reports whether it did.
func watchMemory(p *os.Process, limit int64) func() bool {
	var killed atomic.Bool
	path := "/proc/" + strconv.Itoa(p.Pid) + "/statm"
	page := int64(os.Getpagesize())
	go func() {
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for range t.C {
			b, err := os.ReadFile(path)
			if err != nil {
				return // exited
			}
			f := bytes.Fields(b)
			if len(f) < 2 {
				return
			}
			rss, _ := strconv.ParseInt(string(f[1]), 10, 64)
			if rss*page > limit {
				killed.Store(true)
				_ = p.Kill()
				return
			}
		}
	}()
	return killed.Load
}

// maxRSS is the peak resident memory of an exited worker, in bytes.
func maxRSS(ps *os.ProcessState) int64 {
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		return ru.Maxrss << 10
	}
	return 0
}
