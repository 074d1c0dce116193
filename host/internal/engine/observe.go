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
		w.p.guestLog(slog.LevelInfo, string(w.buf), "stdout")
		w.buf = w.buf[:0]
		b = b[i+1:]
	}
	return n, nil
}

// guestLog writes one plugin log line if the pool's rate limit allows it.
func (p *Pool) guestLog(level slog.Level, msg, source string) {
	log := p.cfg.Logger
	if !log.Enabled(context.Background(), level) || !p.logl.Allow() {
		return
	}
	log.LogAttrs(context.Background(), level, msg,
		slog.String("plugin", p.b.Plugin), slog.Int("version", p.b.Version), slog.String("source", source))
}
