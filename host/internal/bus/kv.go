package bus

import (
	"context"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"
)

// KV is a JetStream key-value bucket: for each key, the latest value and a
// revision (the bucket stream's sequence number of that write, increasing
// across the whole bucket). Keys are letters, digits and - _ = . /, not
// starting or ending with '.' and without "..". It is safe for concurrent
// use.
type KV struct {
	b      *Bus
	kv     jetstream.KeyValue
	bucket string
}

// Entry is one key's value at one revision, as delivered by KV.Get and
// KV.Watch.
type Entry struct {
	Key      string
	Value    []byte
	Revision uint64
	// Deleted marks a deletion (Value is empty).
	Deleted bool
	// InitialDone marks the Watch callback that separates the initial
	// values from later changes; all other fields are zero.
	InitialDone bool
}

// KeyValue binds to the bucket of that name, creating it (file storage)
// if it does not exist. replicas is the number of nodes holding a copy
// (at most the cluster size; 0 means 1) and history the number of
// revisions kept per key (1..64; 0 means 1). An existing bucket is used as
// it is, whatever its replicas and history. A standalone server counts
// any replicas as 1. In a cluster, call WaitJetStream first.
func (b *Bus) KeyValue(ctx context.Context, bucket string, replicas, history int) (*KV, error) {
	replicas = b.replicas(replicas)
	js, err := b.jetStream()
	if err != nil {
		return nil, err
	}
	kv, err := js.KeyValue(ctx, bucket)
	if errors.Is(err, jetstream.ErrBucketNotFound) {
		kv, err = js.CreateKeyValue(ctx, jetstream.KeyValueConfig{
			Bucket:   bucket,
			History:  uint8(max(history, 1)),
			Replicas: replicas,
			Storage:  jetstream.FileStorage,
		})
		if errors.Is(err, jetstream.ErrBucketExists) { // created meanwhile by another node
			kv, err = js.KeyValue(ctx, bucket)
		}
	}
	if err != nil {
		return nil, b.kvErr("kv bucket "+bucket, err)
	}
	return &KV{b: b, kv: kv, bucket: bucket}, nil
}

// replicas maps a requested replica count to one the server accepts: at
// least 1, and 1 when standalone.
func (b *Bus) replicas(n int) int {
	if n < 1 || !b.ns.JetStreamIsClustered() {
		return 1
	}
	return n
}

// Bucket returns the bucket's name.
func (k *KV) Bucket() string { return k.bucket }

// Get returns the latest value of key. A missing or deleted key gives an
// error wrapping ErrKeyNotFound.
func (k *KV) Get(ctx context.Context, key string) (Entry, error) {
	e, err := k.kv.Get(ctx, key)
	if err != nil {
		return Entry{}, k.err("get", key, err)
	}
	return toEntry(e), nil
}

// Put stores value under key and returns the new revision.
func (k *KV) Put(ctx context.Context, key string, value []byte) (uint64, error) {
	rev, err := k.kv.Put(ctx, key, value)
	if err != nil {
		return 0, k.err("put", key, err)
	}
	return rev, nil
}

// Create stores value under key only if the key has no value (it may have
// been deleted); otherwise the error wraps ErrKeyExists.
func (k *KV) Create(ctx context.Context, key string, value []byte) (uint64, error) {
	rev, err := k.kv.Create(ctx, key, value)
	if errors.Is(err, jetstream.ErrKeyExists) {
		return 0, fmt.Errorf("bus: kv %s: create %q: %w", k.bucket, key, ErrKeyExists)
	}
	if err != nil {
		return 0, k.err("create", key, err)
	}
	return rev, nil
}

// Update stores value under key only if the key's latest revision is
// lastRev (compare and set); otherwise the error wraps
// ErrRevisionMismatch.
func (k *KV) Update(ctx context.Context, key string, value []byte, lastRev uint64) (uint64, error) {
	rev, err := k.kv.Update(ctx, key, value, lastRev)
	if errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
		return 0, fmt.Errorf("bus: kv %s: update %q at revision %d: %w", k.bucket, key, lastRev, ErrRevisionMismatch)
	}
	if err != nil {
		return 0, k.err("update", key, err)
	}
	return rev, nil
}

// Delete writes a delete marker for key (a new revision that watchers see
// with Deleted set). Deleting a missing key succeeds.
func (k *KV) Delete(ctx context.Context, key string) error {
	if err := k.kv.Delete(ctx, key); err != nil {
		return k.err("delete", key, err)
	}
	return nil
}

// Keys returns the keys that have a value (not deleted), sorted; an empty
// bucket gives an empty slice.
func (k *KV) Keys(ctx context.Context) ([]string, error) {
	keys, err := k.kv.Keys(ctx)
	if errors.Is(err, jetstream.ErrNoKeysFound) {
		return []string{}, nil
	}
	if err != nil {
		return nil, k.b.wrap("kv "+k.bucket+": keys", err)
	}
	return keys, nil
}

func (k *KV) err(op, key string, err error) error {
	if isFull(err) {
		return fullErr(k.bucket, op, key)
	}
	return k.b.kvErr(fmt.Sprintf("kv %s: %s %q", k.bucket, op, key), err)
}

// kvErr maps the key-value errors of nats.go to this package's sentinels
// and the rest like wrap.
func (b *Bus) kvErr(op string, err error) error {
	switch {
	case errors.Is(err, jetstream.ErrKeyNotFound):
		return fmt.Errorf("bus: %s: %w", op, ErrKeyNotFound)
	case errors.Is(err, jetstream.ErrInvalidKey), errors.Is(err, jetstream.ErrInvalidBucketName):
		return fmt.Errorf("bus: %s: %w", op, ErrBadKey)
	}
	return b.wrap(op, err)
}

func toEntry(e jetstream.KeyValueEntry) Entry {
	op := e.Operation()
	return Entry{
		Key:      e.Key(),
		Value:    e.Value(),
		Revision: e.Revision(),
		Deleted:  op == jetstream.KeyValueDelete || op == jetstream.KeyValuePurge,
	}
}
