package bus

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
)

// LevelTrace is the slog level of nats-server protocol traces. They are
// produced only when Config.Logger has this level enabled.
const LevelTrace = slog.LevelDebug - 4

// natsLog adapts a *slog.Logger to nats-server's Logger interface. Fatalf
// never exits the process: it logs at Error level and reports the first
// fatal message on fatal, so Start can fail at once instead of waiting for
// a server that has given up.
type natsLog struct {
	log   *slog.Logger
	once  sync.Once
	fatal chan string // closed-over by Start; buffered, capacity 1
}

func newNatsLog(l *slog.Logger) *natsLog {
	return &natsLog{log: l.With("component", "nats"), fatal: make(chan string, 1)}
}

func (n *natsLog) emit(level slog.Level, format string, v []any) {
	ctx := context.Background()
	if n.log.Enabled(ctx, level) {
		n.log.Log(ctx, level, fmt.Sprintf(format, v...))
	}
}

// Noticef logs at Info level.
func (n *natsLog) Noticef(format string, v ...any) { n.emit(slog.LevelInfo, format, v) }

// Warnf logs at Warn level.
func (n *natsLog) Warnf(format string, v ...any) { n.emit(slog.LevelWarn, format, v) }

// Errorf logs at Error level.
func (n *natsLog) Errorf(format string, v ...any) { n.emit(slog.LevelError, format, v) }

// Debugf logs at Debug level.
func (n *natsLog) Debugf(format string, v ...any) { n.emit(slog.LevelDebug, format, v) }

// Tracef logs at LevelTrace.
func (n *natsLog) Tracef(format string, v ...any) { n.emit(LevelTrace, format, v) }

// Fatalf logs at Error level with fatal=true and records the message.
func (n *natsLog) Fatalf(format string, v ...any) {
	msg := fmt.Sprintf(format, v...)
	n.log.Error(msg, "fatal", true)
	n.once.Do(func() { n.fatal <- msg })
}

func (n *natsLog) debug() bool {
	return n.log.Enabled(context.Background(), slog.LevelDebug)
}

func (n *natsLog) trace() bool {
	return n.log.Enabled(context.Background(), LevelTrace)
}
