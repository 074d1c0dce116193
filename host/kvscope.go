package host

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hostd/hostd/host/internal/bus"
	"github.com/hostd/hostd/host/internal/engine"
	"github.com/hostd/hostd/host/internal/model"
	"github.com/hostd/hostd/host/internal/registry"
)

// SetKV implements admin.Control. The scope and limits are part of the
// plugin's record, so in a cluster every node switches. Data is not moved
// between scopes.
func (c *control) SetKV(ctx context.Context, name string, s model.KVSettings) (model.Plugin, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	p, err := c.h.reg.SetKVSettings(name, s)
	if err != nil {
		return model.Plugin{}, err
	}
	c.h.kv.setScopes(c.h.reg)
	c.publish(ctx, registry.RecordPlugin, name)
	scope := p.KVScope
	if scope == "" {
		scope = model.KVScopeNode
	}
	c.h.log.Info("plugin kv settings set", "plugin", name, "scope", scope, "max_keys", p.KVMaxKeys, "max_bytes", p.KVMaxBytes)
	c.h.event("plugin.kv_scope", map[string]any{"plugin": name, "scope": scope,
		"max_keys": p.KVMaxKeys, "max_bytes": p.KVMaxBytes})
	return p, nil
}

// PluginKV implements admin.Control: the usage of the node's namespace, or
// of the plugin's JetStream bucket for cluster scope.
func (c *control) PluginKV(ctx context.Context, name string) (model.KVUsage, error) {
	p, err := c.h.reg.Plugin(name)
	if err != nil {
		return model.KVUsage{}, err
	}
	if p.KVScope != model.KVScopeCluster {
		return c.h.reg.KVUsage(name)
	}
	ctx, cancel := context.WithTimeout(ctx, kvOpTimeout)
	defer cancel()
	entries, bytes, err := c.h.bus.KVUsage(ctx, bucketName(name))
	if err != nil {
		return model.KVUsage{}, fmt.Errorf("host: cluster kv %s: %w", name, err)
	}
	return model.KVUsage{Scope: model.KVScopeCluster, Keys: int64(entries), Bytes: int64(bytes),
		MaxBytes: c.h.kv.maxBytes(p)}, nil
}

// kvRouter is the engine's KVStore: each plugin's namespace goes to the
// node's registry or, for plugins whose KV scope is "cluster", to a
// JetStream KV bucket of its own, bounded to the plugin's max bytes.
// Refused writes are logged, rate-limited.
type kvRouter struct {
	local    kvStore
	bus      *bus.Bus
	replicas int
	cluster  atomic.Pointer[map[string]int64] // cluster-scope plugin → its bucket's max bytes
	refused  kvRefusals

	mu      sync.Mutex
	buckets map[string]*clusterBucket
}

// clusterBucket is an open bucket and the max bytes last set on it.
type clusterBucket struct {
	kv       *bus.KV
	maxBytes int64
}

func newKVRouter(reg *registry.Registry, b *bus.Bus, replicas int, log *slog.Logger) *kvRouter {
	k := &kvRouter{local: kvStore{reg}, bus: b, replicas: replicas, buckets: map[string]*clusterBucket{},
		refused: kvRefusals{log: log}}
	k.cluster.Store(&map[string]int64{})
	return k
}

// setScopes reloads which plugins keep their KV data in the cluster, and
// their limits.
func (k *kvRouter) setScopes(reg *registry.Registry) {
	ps, err := reg.Plugins()
	if err != nil {
		return
	}
	m := map[string]int64{}
	for _, p := range ps {
		if p.KVScope == model.KVScopeCluster {
			m[p.Name] = k.maxBytes(p)
		}
	}
	k.cluster.Store(&m)
}

// maxBytes is the plugin's effective max bytes.
func (k *kvRouter) maxBytes(p model.Plugin) int64 {
	if p.KVMaxBytes > 0 {
		return p.KVMaxBytes
	}
	return k.local.KVLimits().MaxBytes
}

func (k *kvRouter) store(ns string) engine.KVStore {
	if _, ok := (*k.cluster.Load())[ns]; ok {
		return clusterKV{k: k, ns: ns}
	}
	return k.local
}

func (k *kvRouter) KVGet(ns string, key []byte) ([]byte, uint64, bool, error) {
	return k.store(ns).KVGet(ns, key)
}

func (k *kvRouter) KVPut(ns string, key, value []byte, ttl time.Duration, expect *uint64) (uint64, error) {
	rev, err := k.store(ns).KVPut(ns, key, value, ttl, expect)
	if err != nil {
		k.refused.note(ns, err)
	}
	return rev, err
}

func (k *kvRouter) KVDelete(ns string, key []byte) (bool, error) {
	return k.store(ns).KVDelete(ns, key)
}

func (k *kvRouter) KVList(ns string, prefix, after []byte, max int) ([][]byte, error) {
	return k.store(ns).KVList(ns, prefix, after, max)
}

// bucketName is the JetStream bucket of a cluster-scope namespace.
func bucketName(ns string) string {
	return "hostd_kv_" + strings.NewReplacer(".", "_2e").Replace(ns)
}

// bucket opens (once) the JetStream bucket of a namespace and bounds it to
// the plugin's max bytes, again whenever that changed. A bound that cannot
// be set fails the call: the bucket is not used unbounded.
func (k *kvRouter) bucket(ns string) (*bus.KV, error) {
	want := (*k.cluster.Load())[ns]
	k.mu.Lock()
	defer k.mu.Unlock()
	cb, ok := k.buckets[ns]
	if ok && cb.maxBytes == want {
		return cb.kv, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if !ok {
		b, err := k.bus.LeaderReadKeyValue(ctx, bucketName(ns), k.replicas, 1)
		if err != nil {
			return nil, fmt.Errorf("host: cluster kv %s: %w", ns, err)
		}
		cb = &clusterBucket{kv: b}
		k.buckets[ns] = cb
	}
	if err := k.bus.SetKVMaxBytes(ctx, bucketName(ns), want); err != nil {
		return nil, fmt.Errorf("host: cluster kv %s: %w", ns, err)
	}
	cb.maxBytes = want
	return cb.kv, nil
}

// clusterKV stores one namespace in a JetStream KV bucket. Keys are
// base64url-encoded (JetStream keys are subject tokens); values carry their
// expiry (unix ms, 0 for none) in 8 leading bytes, and expired entries read
// as absent.
type clusterKV struct {
	k  *kvRouter
	ns string
}

const kvOpTimeout = 2 * time.Second

func encodeKey(key []byte) string { return base64.RawURLEncoding.EncodeToString(key) }

func encodeValue(value []byte, ttl time.Duration) []byte {
	out := make([]byte, 8+len(value))
	if ttl > 0 {
		binary.BigEndian.PutUint64(out, uint64(time.Now().Add(ttl).UnixMilli()))
	}
	copy(out[8:], value)
	return out
}

// decodeValue returns the value and whether it is live.
func decodeValue(raw []byte) ([]byte, bool) {
	if len(raw) < 8 {
		return nil, false
	}
	exp := binary.BigEndian.Uint64(raw)
	return raw[8:], exp == 0 || int64(exp) > time.Now().UnixMilli()
}

func (c clusterKV) get(ctx context.Context, b *bus.KV, key string) (bus.Entry, bool, error) {
	e, err := b.Get(ctx, key)
	if errors.Is(err, bus.ErrKeyNotFound) {
		return bus.Entry{}, false, nil
	}
	if err != nil {
		return bus.Entry{}, false, err
	}
	_, live := decodeValue(e.Value)
	return e, live, nil
}

func (c clusterKV) KVGet(_ string, key []byte) ([]byte, uint64, bool, error) {
	b, err := c.k.bucket(c.ns)
	if err != nil {
		return nil, 0, false, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), kvOpTimeout)
	defer cancel()
	e, live, err := c.get(ctx, b, encodeKey(key))
	if err != nil || !live {
		return nil, 0, false, err
	}
	v, _ := decodeValue(e.Value)
	return v, e.Revision, true, nil
}

// KVPut also keeps the node's disk reserve: this node stores a replica of
// the bucket on the same disk as its registry.
func (c clusterKV) KVPut(_ string, key, value []byte, ttl time.Duration, expect *uint64) (uint64, error) {
	if err := c.k.local.KVDiskCheck(); err != nil {
		return 0, fmt.Errorf("%w: %w", engine.ErrKVNoSpace, err)
	}
	b, err := c.k.bucket(c.ns)
	if err != nil {
		return 0, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), kvOpTimeout)
	defer cancel()
	k, v := encodeKey(key), encodeValue(value, ttl)
	if expect == nil {
		rev, err := b.Put(ctx, k, v)
		return rev, conflict(err)
	}
	cur, live, err := c.get(ctx, b, k)
	if err != nil {
		return 0, err
	}
	switch {
	case *expect == 0 && !live && cur.Revision == 0:
		rev, err := b.Create(ctx, k, v)
		return rev, conflict(err)
	case *expect == 0 && !live: // an expired entry counts as absent
		rev, err := b.Update(ctx, k, v, cur.Revision)
		return rev, conflict(err)
	case !live || cur.Revision != *expect:
		return 0, engine.ErrKVConflict
	}
	rev, err := b.Update(ctx, k, v, *expect)
	return rev, conflict(err)
}

// conflict maps the bucket's refusals to the engine's: a revision
// conflict, or a bucket at its max bytes (the plugin's quota).
func conflict(err error) error {
	switch {
	case errors.Is(err, bus.ErrKeyExists) || errors.Is(err, bus.ErrRevisionMismatch):
		return engine.ErrKVConflict
	case errors.Is(err, bus.ErrKVFull):
		return fmt.Errorf("%w: %w", engine.ErrKVQuota, err)
	}
	return err
}

func (c clusterKV) KVDelete(_ string, key []byte) (bool, error) {
	b, err := c.k.bucket(c.ns)
	if err != nil {
		return false, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), kvOpTimeout)
	defer cancel()
	k := encodeKey(key)
	_, live, err := c.get(ctx, b, k)
	if err != nil || !live {
		return false, err
	}
	return true, b.Delete(ctx, k)
}

// KVList reads every key of the bucket: cluster-scoped KV is meant for
// small shared state, not for large key spaces.
func (c clusterKV) KVList(_ string, prefix, after []byte, max int) ([][]byte, error) {
	b, err := c.k.bucket(c.ns)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), kvOpTimeout)
	defer cancel()
	keys, err := b.Keys(ctx)
	if err != nil {
		return nil, err
	}
	var out [][]byte
	for _, enc := range keys {
		key, err := base64.RawURLEncoding.DecodeString(enc)
		if err != nil || !strings.HasPrefix(string(key), string(prefix)) || string(key) <= string(after) {
			continue
		}
		out = append(out, key)
	}
	slices.SortFunc(out, func(a, b []byte) int { return strings.Compare(string(a), string(b)) })
	live := out[:0]
	for _, key := range out {
		if len(live) >= max {
			break
		}
		if _, ok, err := c.get(ctx, b, encodeKey(key)); err == nil && ok {
			live = append(live, key)
		}
	}
	return live, nil
}
