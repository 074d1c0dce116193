package replica

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hostd/hostd/host/internal/bus"
	"github.com/hostd/hostd/host/internal/registry"
)

// Store is the node's own state, as records (implemented by
// registry.Registry).
type Store interface {
	Records() (map[string]map[string][]byte, error)
	Record(kind, id string) ([]byte, error)
	MissingBlobs(pluginRecord []byte) ([]string, error)
	Wasm(sha256hex string) ([]byte, error)
	ApplyRecord(kind, id string, raw []byte, blobs map[string][]byte) (bool, error)
	RemoveRecord(kind, id string) (bool, error)
}

// Bucket and object store names.
const (
	Bucket  = "hostd_control"
	Objects = "hostd_wasm"
)

// Config wires a Replicator.
type Config struct {
	Bus   *bus.Bus
	Store Store
	// Replicas is the replica count of the bucket and object store.
	Replicas int
	// Lock serialises the replicator with the control plane: Publish is
	// called with it held, and remote changes are applied holding it.
	Lock sync.Locker
	// Changed is called, with Lock held, after remote records of the given
	// kinds were applied, so the host can rebuild what depends on them.
	Changed func(kinds map[string]bool)
	// NewBytes, optional, is called with Lock held after a plugin record
	// whose bytes this node did not have was applied (to precompile it).
	NewBytes func(plugin string)
	Logger   *slog.Logger
	// Sealer, when set, seals every value this node writes and makes it
	// apply only remote values that open with it (see LoadSealer). Nil:
	// values are plain and taken as they are (loopback-only clusters).
	Sealer *Sealer
	// RetryEvery is how often unpublished changes are retried. Default 2s.
	RetryEvery time.Duration
}

// Replicator publishes local changes and applies remote ones.
type Replicator struct {
	cfg Config
	log *slog.Logger

	// guarded by cfg.Lock
	kv      *bus.KV
	objects *bus.Objects
	seen    map[string]uint64 // key → newest revision applied or written
	dirty   map[string]bool   // keys changed here and not yet published
	initial map[string]bool   // kinds applied during the initial sync
	synced  bool

	rejected rejectCounts
	stamps   map[string]stamp // key → newest sealed stamp applied or written (guarded by cfg.Lock)
	writer   [8]byte          // this replicator's random id in stamps

	ready  chan struct{}
	cancel context.CancelFunc
	done   chan struct{}
}

// New returns a Replicator; Start connects it.
func New(cfg Config) *Replicator {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.RetryEvery <= 0 {
		cfg.RetryEvery = 2 * time.Second
	}
	if cfg.Replicas < 1 {
		cfg.Replicas = 1
	}
	r := &Replicator{cfg: cfg, log: cfg.Logger, seen: map[string]uint64{}, dirty: map[string]bool{},
		initial: map[string]bool{}, stamps: map[string]stamp{}, ready: make(chan struct{}), done: make(chan struct{})}
	_, _ = rand.Read(r.writer[:]) // never fails (crypto/rand)
	return r
}

// Key is the KV key of a record.
func Key(kind, id string) string { return kind + "." + id }

// splitKey is Key's inverse; record kinds contain no dot.
func splitKey(key string) (kind, id string, ok bool) {
	return strings.Cut(key, ".")
}

// Start connects in the background: it waits for JetStream (in a cluster,
// until a majority of nodes is up), creates or binds the bucket and object
// store, and watches the bucket. It returns at once.
func (r *Replicator) Start() {
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	go r.run(ctx)
}

// Synced is closed after the first full sync with the cluster.
func (r *Replicator) Synced() <-chan struct{} { return r.ready }

// Status reports whether the first sync is done and the keys of the local
// changes not published yet, sorted. The caller holds Lock.
func (r *Replicator) Status() (synced bool, unpublished []string) {
	for k := range r.dirty {
		unpublished = append(unpublished, k)
	}
	slices.Sort(unpublished)
	return r.synced, unpublished
}

// Stop ends the watch and the retries.
func (r *Replicator) Stop() {
	if r.cancel == nil {
		return
	}
	r.cancel()
	<-r.done
}

func (r *Replicator) run(ctx context.Context) {
	defer close(r.done)
	var stop func()
	for stop == nil {
		var err error
		if stop, err = r.connect(ctx); err != nil {
			if ctx.Err() != nil {
				return
			}
			r.log.Warn("cluster state not reachable yet; serving local state", "error", err)
			select {
			case <-ctx.Done():
				return
			case <-time.After(500 * time.Millisecond):
			}
		}
	}
	defer stop()
	t := time.NewTicker(r.cfg.RetryEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			r.cfg.Lock.Lock()
			r.flushDirty(ctx)
			r.cfg.Lock.Unlock()
		}
	}
}

func (r *Replicator) connect(ctx context.Context) (func(), error) {
	// Short attempts: while a cluster forms, a request can go unanswered
	// (nodes creating the same bucket at once, leader elections); a retry
	// soon after succeeds.
	cctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	b := r.cfg.Bus
	if err := b.WaitJetStream(cctx); err != nil {
		return nil, err
	}
	kv, err := b.KeyValue(cctx, Bucket, r.cfg.Replicas, 1)
	if err != nil {
		return nil, err
	}
	objects, err := b.ObjectStore(cctx, Objects, r.cfg.Replicas)
	if err != nil {
		return nil, err
	}
	r.cfg.Lock.Lock()
	r.kv, r.objects = kv, objects
	r.cfg.Lock.Unlock()
	return kv.Watch(ctx, ">", r.onEntry)
}

// onEntry applies one entry of the watch (one goroutine, in order).
func (r *Replicator) onEntry(e bus.Entry) {
	r.cfg.Lock.Lock()
	defer r.cfg.Lock.Unlock()
	if e.InitialDone {
		r.finishInitial()
		return
	}
	kind, id, ok := splitKey(e.Key)
	if !ok || e.Revision <= r.seen[e.Key] {
		return
	}
	r.seen[e.Key] = e.Revision
	op, reason := r.cfg.Sealer.open(e.Key, e.Value, e.Deleted)
	if reason == "" && r.cfg.Sealer != nil {
		if known, ok := r.stamps[e.Key]; ok && !op.stamp.after(known) {
			reason = RejectStale
		} else {
			r.stamps[e.Key] = op.stamp
		}
	}
	if reason != "" {
		r.reject(e, reason)
		if healable(reason) && r.synced && !r.dirty[e.Key] {
			// Put this node's own (sealed) state back over it; see heal.
			r.heal(e.Key, kind, id)
		} else if healable(reason) {
			r.dirty[e.Key] = true // published, sealed, at the first sync
		}
		return
	}
	if r.dirty[e.Key] {
		return // changed here and not yet published: this node's change wins
	}
	changed, err := r.apply(kind, id, op)
	if err != nil {
		r.log.Error("remote change not applied", "key", e.Key, "revision", e.Revision, "error", err)
		return
	}
	if !changed {
		return
	}
	r.log.Info("remote change applied", "key", e.Key, "revision", e.Revision, "deleted", e.Deleted)
	if !r.synced {
		r.initial[kind] = true
		return
	}
	r.cfg.Changed(map[string]bool{kind: true})
}

func (r *Replicator) apply(kind, id string, op opened) (bool, error) {
	if op.deleted {
		return r.cfg.Store.RemoveRecord(kind, id)
	}
	var blobs map[string][]byte
	if kind == registry.RecordPlugin {
		missing, err := r.cfg.Store.MissingBlobs(op.record)
		if err != nil {
			return false, err
		}
		blobs = map[string][]byte{}
		for _, sha := range missing {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			b, err := r.objects.Get(ctx, sha)
			cancel()
			if err != nil {
				return false, fmt.Errorf("replica: fetch %s: %w", sha, err)
			}
			blobs[sha] = b
		}
	}
	changed, err := r.cfg.Store.ApplyRecord(kind, id, op.record, blobs)
	if err == nil && len(blobs) > 0 && r.cfg.NewBytes != nil {
		r.cfg.NewBytes(id)
	}
	return changed, err
}

// finishInitial publishes the records that exist here but were never in
// the bucket, reports what the initial sync changed, and marks the node
// synced.
func (r *Replicator) finishInitial() {
	if r.synced {
		return
	}
	recs, err := r.cfg.Store.Records()
	if err != nil {
		r.log.Error("initial sync: read local records", "error", err)
	}
	for kind, m := range recs {
		for id := range m {
			if _, known := r.seen[Key(kind, id)]; !known {
				r.dirty[Key(kind, id)] = true
			}
		}
	}
	r.synced = true
	r.flushDirty(context.Background())
	if len(r.initial) > 0 {
		r.cfg.Changed(r.initial)
	}
	r.initial = nil
	close(r.ready)
	r.log.Info("cluster state synced", "records", len(r.seen))
}

// Publish shares the local record kind/id with the cluster: the record as
// stored now, or its deletion when it no longer exists. The caller holds
// Lock. When the cluster cannot be reached the change is kept and retried;
// Publish reports that error but the change is not lost.
func (r *Replicator) Publish(ctx context.Context, kind, id string) error {
	key := Key(kind, id)
	r.dirty[key] = true
	if r.kv == nil {
		return ErrNotConnected
	}
	return r.publish(ctx, key, kind, id)
}

// ErrNotConnected is returned by Publish before the replicator reached the
// cluster; the change is published once it does.
var ErrNotConnected = errors.New("replica: not connected to the cluster yet")

func (r *Replicator) publish(ctx context.Context, key, kind, id string) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	raw, err := r.cfg.Store.Record(kind, id)
	if err != nil {
		return err
	}
	var rev uint64
	switch {
	case raw == nil && r.cfg.Sealer == nil:
		// The delete marker comes back through the watch, where removing
		// an absent record changes nothing.
		if err := r.kv.Delete(ctx, key); err != nil {
			return fmt.Errorf("replica: publish %s: %w", key, err)
		}
	default:
		if kind == registry.RecordPlugin && raw != nil {
			if err := r.publishBlobs(ctx, raw); err != nil {
				return err
			}
		}
		value := raw
		var st stamp
		if r.cfg.Sealer != nil {
			// A deletion is a sealed tombstone: bare delete markers
			// are not trusted.
			st = r.nextStamp(ctx, key)
			if value, err = r.cfg.Sealer.seal(key, raw, st); err != nil {
				return err
			}
		}
		if rev, err = r.kv.Put(ctx, key, value); err != nil {
			return fmt.Errorf("replica: publish %s: %w", key, err)
		}
		if r.cfg.Sealer != nil {
			r.stamps[key] = st
		}
	}
	if rev > r.seen[key] {
		r.seen[key] = rev
	}
	delete(r.dirty, key)
	return nil
}

// publishBlobs stores the bytes of every version of a plugin record in the
// object store (idempotent: an object is named by its sha256).
func (r *Replicator) publishBlobs(ctx context.Context, raw []byte) error {
	shas, err := pluginSHAs(raw)
	if err != nil {
		return err
	}
	for _, sha := range shas {
		if ok, err := r.objects.Has(ctx, sha); err != nil {
			return err
		} else if ok {
			continue
		}
		b, err := r.cfg.Store.Wasm(sha)
		if err != nil {
			return err
		}
		if err := r.objects.Put(ctx, sha, b); err != nil {
			return fmt.Errorf("replica: store wasm %s: %w", sha, err)
		}
	}
	return nil
}

// flushDirty publishes every change not yet published. Lock is held.
func (r *Replicator) flushDirty(ctx context.Context) {
	if r.kv == nil {
		return
	}
	for key := range r.dirty {
		kind, id, _ := splitKey(key)
		if err := r.publish(ctx, key, kind, id); err != nil {
			r.log.Warn("change not published yet; will retry", "key", key, "error", err)
			return
		}
	}
}
