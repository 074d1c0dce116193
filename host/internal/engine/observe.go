package engine

import (
	"bytes"
	"context"
	"log/slog"
	"sync"
	"time"
)

// Observer receives what the engine does, for metrics. Implementations must
// be safe for concurrent use and fast: they run on the request path.
type Observer interface {
	// Call reports one guest call: phase is "on_request", "on_response" or
	// "acquire" (waiting for an instance); outcome is one of the Outcome*
	// constants.
	Call(plugin string, version int, phase string, d time.Duration, outcome string)
	// Instances reports instances created (+1) and closed (-1).
	Instances(plugin string, version int, delta int)
	// Quarantined reports that a pool of the plugin version was
	// quarantined.
	Quarantined(plugin string, version int)
}

// CallBinder is an optional interface of an Observer: CallsOf returns
// the Call of one plugin version with those labels bound, which each pool
// keeps, so that reporting a call does not look the plugin up again.
type CallBinder interface {
	CallsOf(plugin string, version int) func(phase string, d time.Duration, outcome string)
}

// callsOf returns o's Call bound to one plugin version.
func callsOf(o Observer, plugin string, version int) func(phase string, d time.Duration, outcome string) {
	if b, ok := o.(CallBinder); ok {
		return b.CallsOf(plugin, version)
	}
	return func(phase string, d time.Duration, outcome string) { o.Call(plugin, version, phase, d, outcome) }
}

type nopObserver struct{}

func (nopObserver) Call(string, int, string, time.Duration, string) {}
func (nopObserver) Instances(string, int, int)                      {}
func (nopObserver) Quarantined(string, int)                         {}

// guestWriter turns a guest's stdout/stderr into rate-limited log lines.
type guestWriter struct {
	p   *Pool
	mu  sync.Mutex
	buf []byte
}

const maxGuestLine = 4096

func newGuestWriter(p *Pool) *guestWriter { return &guestWriter{p: p} }

func (w *guestWriter) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := len(b)
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			room := maxGuestLine - len(w.buf)
			w.buf = append(w.buf, b[:min(room, len(b))]...)
			break
		}
		w.buf = append(w.buf, b[:min(i, maxGuestLine-len(w.buf))]...)
		logged := w.p.guestLog(slog.LevelInfo, w.buf, "stdout")
		w.buf = w.buf[:0]
		b = b[i+1:]
		if !logged {
			// The rate limit is spent (or the level is off): every other
			// complete line of this write would be dropped too, so skip
			// them at once instead of one by one (a write of 32 MiB of
			// newlines would otherwise hold the host call for seconds).
			b = b[bytes.LastIndexByte(b, '\n')+1:]
		}
	}
	return n, nil
}

// guestLog writes one plugin log line if the pool's rate limit allows it,
// and reports whether it did. msg is copied only then.
func (p *Pool) guestLog(level slog.Level, msg []byte, source string) bool {
	log := p.cfg.Logger
	if !log.Enabled(context.Background(), level) || !p.logl.Allow() {
		return false
	}
	log.LogAttrs(context.Background(), level, string(msg),
		slog.String("plugin", p.b.Plugin), slog.Int("version", p.b.Version), slog.String("source", source))
	return true
}

// hostWarn logs a host-side failure of a plugin's host call (a store that
// failed), at most a few a second per pool: a guest calling in a loop must
// not flood the log.
func (p *Pool) hostWarn(msg string, args ...any) {
	if !p.warnl.Allow() {
		return
	}
	p.cfg.Logger.Warn(msg, append([]any{"plugin", p.b.Plugin, "version", p.b.Version}, args...)...)
}
