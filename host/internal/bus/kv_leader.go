package bus

import (
	"context"
)

// LeaderReadKeyValue is KeyValue for a bucket whose reads must see every
// write acknowledged before them, on any node: it turns off direct gets
// (answered by any replica, possibly one that is behind) so that Get and
// Keys go to the bucket's leader. Reads cost a little more. On a single
// node both behave the same.
func (b *Bus) LeaderReadKeyValue(ctx context.Context, bucket string, replicas, history int) (*KV, error) {
	kv, err := b.KeyValue(ctx, bucket, replicas, history)
	if err != nil {
		return nil, err
	}
	js, err := b.jetStream()
	if err != nil {
		return nil, err
	}
	stream, err := js.Stream(ctx, "KV_"+bucket)
	if err != nil {
		return nil, b.kvErr("kv bucket "+bucket, err)
	}
	cfg := stream.CachedInfo().Config
	if !cfg.AllowDirect {
		return kv, nil
	}
	cfg.AllowDirect = false
	if _, err := js.UpdateStream(ctx, cfg); err != nil {
		return nil, b.kvErr("kv bucket "+bucket, err)
	}
	return b.KeyValue(ctx, bucket, replicas, history) // rebind: the client reads the setting at bind time
}
