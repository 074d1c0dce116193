package host

import (
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"syscall"
	"time"

	"github.com/hostd/hostd/host/internal/engine"
	"github.com/hostd/hostd/host/internal/registry"
)

// validateKV reports negative KV limits.
func (l Limits) validateKV() []error {
	var errs []error
	for _, f := range []struct {
		name string
		v    int64
	}{{"kv_max_keys", l.KVMaxKeys}, {"kv_max_bytes", l.KVMaxBytes}, {"kv_total_bytes", l.KVTotalBytes},
		{"kv_disk_reserve_bytes", l.KVDiskReserveBytes}} {
		if f.v < 0 {
			errs = append(errs, fmt.Errorf("limits.%s: must not be negative (0 means the default)", f.name))
		}
	}
	return errs
}

// kvLimits returns the KV limits for the registry, whose defaults for zero
// fields are the ones documented on Limits.
func (l Limits) kvLimits() registry.KVLimits {
	return registry.KVLimits{MaxKeys: l.KVMaxKeys, MaxBytes: l.KVMaxBytes, TotalBytes: l.KVTotalBytes,
		DiskReserve: l.KVDiskReserveBytes}
}

// kvStore adapts the registry to engine.KVStore.
type kvStore struct{ *registry.Registry }

func (k kvStore) KVPut(ns string, key, value []byte, ttl time.Duration, expect *uint64) (uint64, error) {
	rev, err := k.Registry.KVPut(ns, key, value, ttl, expect)
	switch {
	case err == nil:
		return rev, nil
	case errors.Is(err, registry.ErrConflict):
		return 0, engine.ErrKVConflict
	case errors.Is(err, registry.ErrQuota):
		return 0, fmt.Errorf("%w: %w", engine.ErrKVQuota, err)
	case errors.Is(err, registry.ErrNoSpace), errors.Is(err, syscall.ENOSPC):
		return 0, fmt.Errorf("%w: %w", engine.ErrKVNoSpace, err)
	}
	return 0, err
}

// kvRefusalLogEvery is how often a plugin's refused KV writes are logged:
// a plugin writing in a loop must not flood the log.
const kvRefusalLogEvery = time.Minute

// kvRefusals logs refused KV writes (quota, cap, disk reserve) once per
// plugin per kvRefusalLogEvery, each line counting the refusals it did not
// log. It holds one small entry per plugin that was refused.
type kvRefusals struct {
	log *slog.Logger
	mu  sync.Mutex
	m   map[string]*kvRefusal
}

type kvRefusal struct {
	next  time.Time // no line before
	quiet int       // refusals since the last line
}

func (r *kvRefusals) note(plugin string, err error) {
	reason := "quota"
	switch {
	case errors.Is(err, engine.ErrKVQuota):
	case errors.Is(err, engine.ErrKVNoSpace):
		reason = "store_full"
	default:
		return
	}
	now := time.Now()
	r.mu.Lock()
	if r.m == nil {
		r.m = map[string]*kvRefusal{}
	}
	s := r.m[plugin]
	if s == nil {
		s = &kvRefusal{}
		r.m[plugin] = s
	}
	if now.Before(s.next) {
		s.quiet++
		r.mu.Unlock()
		return
	}
	quiet := s.quiet
	s.quiet, s.next = 0, now.Add(kvRefusalLogEvery)
	r.mu.Unlock()
	r.log.Warn("plugin kv write refused", "plugin", plugin, "reason", reason,
		"refused_unlogged", quiet, "error", err.Error())
}
