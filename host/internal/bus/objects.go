package bus

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Objects is a JetStream object store bucket: named blobs of any size,
// stored in chunks, so objects larger than a NATS message (tens of MB)
// are fine. It is safe for concurrent use.
type Objects struct {
	b      *Bus
	obs    jetstream.ObjectStore
	bucket string
}

// ObjectStore binds to the object store bucket of that name, creating it
// (file storage) if it does not exist. replicas is the number of nodes
// holding a copy (at most the cluster size; 0 means 1). An existing bucket
// is used as it is. A standalone server counts any replicas as 1. In a
// cluster, call WaitJetStream first.
func (b *Bus) ObjectStore(ctx context.Context, bucket string, replicas int) (*Objects, error) {
	replicas = b.replicas(replicas)
	js, err := b.jetStream()
	if err != nil {
		return nil, err
	}
	obs, err := js.ObjectStore(ctx, bucket)
	if errors.Is(err, jetstream.ErrBucketNotFound) {
		obs, err = js.CreateObjectStore(ctx, jetstream.ObjectStoreConfig{
			Bucket:   bucket,
			Replicas: replicas,
			Storage:  jetstream.FileStorage,
		})
		if errors.Is(err, jetstream.ErrBucketExists) { // created meanwhile by another node
			obs, err = js.ObjectStore(ctx, bucket)
		}
	}
	if err != nil {
		if errors.Is(err, jetstream.ErrInvalidStoreName) {
			return nil, fmt.Errorf("bus: object store %q: %w", bucket, ErrBadKey)
		}
		return nil, b.wrap("object store "+bucket, err)
	}
	return &Objects{b: b, obs: obs, bucket: bucket}, nil
}

// Bucket returns the bucket's name.
func (o *Objects) Bucket() string { return o.bucket }

// Put stores data under name, replacing any object of that name. It
// returns once every chunk is stored.
func (o *Objects) Put(ctx context.Context, name string, data []byte) error {
	if _, err := o.obs.PutBytes(ctx, name, data); err != nil {
		return o.err("put", name, err)
	}
	return nil
}

// Get returns the object stored under name; a missing or deleted object
// gives an error wrapping ErrObjectNotFound. The data's digest is checked.
//
// The bucket's leader decides whether the object exists. If it does but
// this node's copy has not caught up yet (a Put on another node a moment
// ago, or this node just restarted), Get retries until the copy is
// complete, for at most objectCatchUp or until ctx ends.
func (o *Objects) Get(ctx context.Context, name string) ([]byte, error) {
	deadline := time.Now().Add(objectCatchUp)
	for {
		data, err := o.obs.GetBytes(ctx, name)
		if err == nil {
			return data, nil
		}
		if !errors.Is(err, jetstream.ErrObjectNotFound) && !errors.Is(err, jetstream.ErrDigestMismatch) {
			return nil, o.err("get", name, err)
		}
		exists, lerr := o.leaderHas(ctx, name)
		if lerr != nil {
			return nil, o.err("get", name, errors.Join(err, lerr))
		}
		if !exists {
			return nil, o.err("get", name, jetstream.ErrObjectNotFound)
		}
		if time.Now().After(deadline) {
			return nil, o.err("get", name, err)
		}
		select {
		case <-ctx.Done():
			return nil, o.err("get", name, errors.Join(err, ctx.Err()))
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Has reports whether a live object of that name exists, asking the
// bucket's leader and without reading the object's data.
func (o *Objects) Has(ctx context.Context, name string) (bool, error) {
	ok, err := o.leaderHas(ctx, name)
	if err != nil {
		return false, o.err("has", name, err)
	}
	return ok, nil
}

// objectCatchUp bounds how long Get waits for this node's copy of an
// object the leader has.
const objectCatchUp = 10 * time.Second

// leaderHas reports whether the bucket's leader has a live (not deleted)
// object of that name.
func (o *Objects) leaderHas(ctx context.Context, name string) (bool, error) {
	subject := "$O." + o.bucket + ".M." + base64.URLEncoding.EncodeToString([]byte(name))
	data, found, err := o.b.leaderLastMsg(ctx, "OBJ_"+o.bucket, subject)
	if err != nil || !found {
		return false, err
	}
	var meta struct {
		Deleted bool `json:"deleted"`
	}
	if err := json.Unmarshal(data, &meta); err != nil {
		return false, fmt.Errorf("bus: object %q: meta: %w", name, err)
	}
	return !meta.Deleted, nil
}

// Delete removes the object stored under name and frees its chunks.
// Deleting a missing object succeeds.
func (o *Objects) Delete(ctx context.Context, name string) error {
	err := o.obs.Delete(ctx, name)
	if err != nil && !errors.Is(err, jetstream.ErrObjectNotFound) {
		return o.err("delete", name, err)
	}
	return nil
}

func (o *Objects) err(op, name string, err error) error {
	what := fmt.Sprintf("object store %s: %s %q", o.bucket, op, name)
	switch {
	case errors.Is(err, jetstream.ErrObjectNotFound):
		return fmt.Errorf("bus: %s: %w", what, ErrObjectNotFound)
	case errors.Is(err, jetstream.ErrNameRequired):
		return fmt.Errorf("bus: %s: %w", what, ErrBadKey)
	}
	return o.b.wrap(what, err)
}
