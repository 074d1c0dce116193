package bus

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/nats-io/nats.go/jetstream"
)

// SetKVMaxBytes bounds what the bucket stores to maxBytes as JetStream
// counts it (the max_bytes of the bucket's stream: for each key its latest
// value or delete marker, with the subject, headers and about 30 bytes of
// overhead); maxBytes <= 0 removes the bound. A write that would take the
// bucket over it fails with an error wrapping ErrKVFull and stores
// nothing; one that replaces a value with one no larger, and a delete,
// still succeeds. Lowering the bound below what is stored keeps the data.
// It does nothing when the bound is already maxBytes.
func (b *Bus) SetKVMaxBytes(ctx context.Context, bucket string, maxBytes int64) error {
	if maxBytes <= 0 {
		maxBytes = -1 // JetStream's "unlimited"
	}
	js, err := b.jetStream()
	if err != nil {
		return err
	}
	stream, err := js.Stream(ctx, "KV_"+bucket)
	if err != nil {
		return b.kvErr("kv bucket "+bucket, err)
	}
	cfg := stream.CachedInfo().Config
	if cfg.MaxBytes == maxBytes {
		return nil
	}
	cfg.MaxBytes = maxBytes
	if _, err := js.UpdateStream(ctx, cfg); err != nil {
		return b.kvErr("kv bucket "+bucket+": set max bytes", err)
	}
	return nil
}

// KVUsage returns the number of entries the bucket holds (each key's latest
// value or delete marker) and their bytes as JetStream counts them; a
// bucket that does not exist holds nothing (it is not created).
func (b *Bus) KVUsage(ctx context.Context, bucket string) (entries, bytes uint64, err error) {
	js, err := b.jetStream()
	if err != nil {
		return 0, 0, err
	}
	kv, err := js.KeyValue(ctx, bucket)
	if errors.Is(err, jetstream.ErrBucketNotFound) {
		return 0, 0, nil
	}
	if err != nil {
		return 0, 0, b.kvErr("kv bucket "+bucket, err)
	}
	st, err := kv.Status(ctx)
	if err != nil {
		return 0, 0, b.wrap("kv "+bucket+": status", err)
	}
	return st.Values(), st.Bytes(), nil
}

// isFull reports a write refused because the bucket is at its max_bytes
// (JetStream answers "maximum bytes exceeded", code 10077).
func isFull(err error) bool {
	var api *jetstream.APIError
	return errors.As(err, &api) && strings.Contains(api.Description, "maximum bytes exceeded")
}

func fullErr(bucket, op, key string) error {
	return fmt.Errorf("bus: kv %s: %s %q: %w", bucket, op, key, ErrKVFull)
}
