package engine

import (
	"context"
	"encoding/binary"
	"errors"
	"log/slog"
	"net/http"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/hostd/hostd/abi"
	"github.com/hostd/hostd/host/internal/bus"
	"github.com/hostd/hostd/host/internal/policy"
	"github.com/hostd/hostd/host/internal/registry"
)

// Real services behind the engine's interfaces, adapted as host does (see
// host/policy.go, host/messaging.go, host/host.go's kvStore); the host
// package cannot be imported from here.

// testKV opens a registry on a temporary bbolt file.
func testKV(t testing.TB) KVStore {
	t.Helper()
	reg, err := registry.Open(filepath.Join(t.TempDir(), "registry.db"), registry.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = reg.Close() })
	return registryKV{reg}
}

type registryKV struct{ *registry.Registry }

func (k registryKV) KVPut(ns string, key, value []byte, ttl time.Duration, expect *uint64) (uint64, error) {
	rev, err := k.Registry.KVPut(ns, key, value, ttl, expect)
	if errors.Is(err, registry.ErrConflict) {
		return 0, ErrKVConflict
	}
	return rev, err
}

type testLimiters struct{ l *policy.Limiters }

func (a testLimiters) Take(owner Owner, name []byte, rate int64, period time.Duration, burst, cost int64, alg abi.RateLimitAlgorithm, now time.Time) RateDecision {
	d, err := a.l.TakeScoped(owner.Plugin, owner.Binding, name, policy.Limits{Rate: rate, Period: period, Burst: burst, Algorithm: alg}, cost, now)
	if err != nil {
		return RateDecision{RetryAfter: period}
	}
	return RateDecision{Allowed: d.Allowed, Limit: d.Limit, Remaining: d.Remaining, Reset: d.Reset, RetryAfter: d.RetryAfter}
}

type testBreakers struct{ b *policy.Breakers }

func (a testBreakers) Allow(owner Owner, name []byte, cfg BreakerConfig, now time.Time) (bool, abi.BreakerState, time.Duration) {
	return a.b.AllowScoped(owner.Plugin, owner.Binding, name, policy.BreakerConfig(cfg), now)
}

func (a testBreakers) Report(owner Owner, name []byte, cfg BreakerConfig, success bool, latency time.Duration, now time.Time) abi.BreakerState {
	return a.b.ReportScoped(owner.Plugin, owner.Binding, name, policy.BreakerConfig(cfg), success, latency, now)
}

// testBus starts an in-process NATS server (no port) for tb.
func testBus(tb testing.TB) *bus.Bus {
	tb.Helper()
	b, err := bus.Start(context.Background(), bus.Config{StoreDir: tb.TempDir()})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = b.Shutdown(context.Background()) })
	return b
}

type busMessenger struct{ b *bus.Bus }

func (m busMessenger) Publish(subject string, hdr http.Header, data []byte) abi.Status {
	return busStatus(m.b.PublishMsg(subject, bus.Header(hdr), data))
}

func (m busMessenger) Request(ctx context.Context, subject string, hdr http.Header, data []byte) (http.Header, []byte, abi.Status) {
	r, err := m.b.RequestMsg(ctx, subject, bus.Header(hdr), data)
	if err != nil {
		return nil, nil, busStatus(err)
	}
	return http.Header(r.Header), r.Data, abi.StatusOK
}

func busStatus(err error) abi.Status {
	switch {
	case err == nil:
		return abi.StatusOK
	case errors.Is(err, bus.ErrNoResponders):
		return abi.StatusNotFound
	case errors.Is(err, bus.ErrTimeout):
		return abi.StatusTimeout
	case errors.Is(err, bus.ErrTooLarge):
		return abi.StatusTooLarge
	}
	return abi.StatusUnavailable
}

// config encodes u32 values little-endian: the binding config of the
// hostile fixtures.
func config(vals ...uint32) []byte {
	var b []byte
	for _, v := range vals {
		b = binary.LittleEndian.AppendUint32(b, v)
	}
	return b
}

// u32s decodes a fixture's little-endian result.
func u32s(b []byte) []uint32 {
	out := make([]uint32, len(b)/4)
	for i := range out {
		out[i] = binary.LittleEndian.Uint32(b[4*i:])
	}
	return out
}

// logSink is a slog handler that keeps every record.
type logSink struct {
	mu   sync.Mutex
	recs []slog.Record
}

func (s *logSink) Enabled(context.Context, slog.Level) bool { return true }
func (s *logSink) Handle(_ context.Context, r slog.Record) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.recs = append(s.recs, r)
	return nil
}
func (s *logSink) WithAttrs([]slog.Attr) slog.Handler { return s }
func (s *logSink) WithGroup(string) slog.Handler      { return s }

// guestLines returns the messages of the guest's log lines from source.
func (s *logSink) guestLines(source string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, r := range s.recs {
		var src string
		r.Attrs(func(a slog.Attr) bool {
			if a.Key == "source" {
				src = a.Value.String()
			}
			return true
		})
		if src == source {
			out = append(out, r.Message)
		}
	}
	return out
}
