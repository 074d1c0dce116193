package hostile

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Mem is a process's resident memory from /proc/PID/status.
type Mem struct {
	RSS uint64 // VmRSS: resident now
	HWM uint64 // VmHWM: peak resident since start
}

func (m Mem) String() string { return fmt.Sprintf("RSS %s, peak %s", MiB(m.RSS), MiB(m.HWM)) }

// MiB formats a byte count.
func MiB(n uint64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }

// ReadMem reads VmRSS and VmHWM of pid.
func ReadMem(pid int) (Mem, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return Mem{}, fmt.Errorf("hostile: %w", err)
	}
	defer f.Close()
	var m Mem
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		var dst *uint64
		switch k {
		case "VmRSS":
			dst = &m.RSS
		case "VmHWM":
			dst = &m.HWM
		default:
			continue
		}
		kb, err := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
		if err != nil {
			return Mem{}, fmt.Errorf("hostile: /proc/%d/status %s: %w", pid, k, err)
		}
		*dst = kb << 10
	}
	return m, sc.Err()
}

// Mem returns the child's memory; a test fails if it cannot be read.
func (h *Hostd) Mem() Mem {
	h.t.Helper()
	m, err := ReadMem(h.PID)
	if err != nil {
		h.t.Errorf("hostile: reading the memory of hostd: %v (%v)", err, h.Alive())
	}
	return m
}

// MaxRSSSeen is the largest VmRSS the watchdog sampled (every 50 ms).
func (h *Hostd) MaxRSSSeen() uint64 { return h.watch.maxRSS() }

// watchdog samples the child's RSS and SIGKILLs it (and its process group)
// above HarnessRSSCeiling, so that a memory attack that works cannot take
// the shared machine with it.
type watchdog struct {
	quit chan struct{}
	once sync.Once
	mu   sync.Mutex
	max  uint64
	why  string
}

func startWatchdog(h *Hostd) *watchdog {
	ceiling := HarnessRSSCeiling
	if v, err := strconv.ParseUint(os.Getenv("HOSTILE_RSS_CEILING_MIB"), 10, 64); err == nil && v > 0 {
		ceiling = v << 20
	}
	w := &watchdog{quit: make(chan struct{})}
	go func() {
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-w.quit:
				return
			case <-h.done:
				return
			case <-tick.C:
			}
			m, err := ReadMem(h.PID)
			if err != nil {
				continue
			}
			w.mu.Lock()
			w.max = max(w.max, m.RSS)
			if m.RSS > ceiling && w.why == "" {
				w.why = fmt.Sprintf("RSS %s above the harness ceiling %s (HOSTILE_RSS_CEILING_MIB)", MiB(m.RSS), MiB(ceiling))
				_ = syscall.Kill(-h.PID, syscall.SIGKILL)
			}
			w.mu.Unlock()
		}
	}()
	return w
}

func (w *watchdog) stop() {
	if w != nil {
		w.once.Do(func() { close(w.quit) })
	}
}

func (w *watchdog) maxRSS() uint64 {
	if w == nil {
		return 0
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.max
}

func (w *watchdog) killedFor() string {
	if w == nil {
		return ""
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.why
}
