package registry

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/hostd/hostd/host/internal/model"
)

// Record kinds: the control-plane objects a cluster replicates. A record
// is the bytes this registry stores for the object (JSON for plugins,
// routes and triggers, the JWKS document for key sets), so two registries
// holding equal records hold equal state.
const (
	RecordPlugin  = "plugin"
	RecordRoute   = "route"
	RecordTrigger = "trigger"
	RecordKeySet  = "keyset"
)

// RecordKinds lists the kinds in the order a full sync should apply them:
// what others refer to first.
var RecordKinds = []string{RecordKeySet, RecordPlugin, RecordRoute, RecordTrigger}

func recordBucket(kind string) ([]byte, error) {
	switch kind {
	case RecordPlugin:
		return bucketPlugins, nil
	case RecordRoute:
		return bucketRoutes, nil
	case RecordTrigger:
		return bucketTriggers, nil
	case RecordKeySet:
		return bucketKeySets, nil
	}
	return nil, fmt.Errorf("registry: unknown record kind %q", kind)
}

// Records returns every record of every kind: kind → id → bytes.
func (r *Registry) Records() (map[string]map[string][]byte, error) {
	out := map[string]map[string][]byte{}
	err := r.db.View(func(tx *bolt.Tx) error {
		for _, kind := range RecordKinds {
			name, _ := recordBucket(kind)
			m := map[string][]byte{}
			if err := tx.Bucket(name).ForEach(func(k, v []byte) error {
				m[string(k)] = bytes.Clone(v)
				return nil
			}); err != nil {
				return err
			}
			out[kind] = m
		}
		return nil
	})
	return out, wrap("read records", err)
}

// Record returns one record, nil when it does not exist.
func (r *Registry) Record(kind, id string) ([]byte, error) {
	name, err := recordBucket(kind)
	if err != nil {
		return nil, err
	}
	var out []byte
	err = r.db.View(func(tx *bolt.Tx) error {
		out = bytes.Clone(tx.Bucket(name).Get([]byte(id)))
		return nil
	})
	return out, wrap("read record", err)
}

// MissingBlobs returns the sha256 of the versions of a plugin record whose
// bytes this registry does not hold.
func (r *Registry) MissingBlobs(pluginRecord []byte) ([]string, error) {
	var p model.Plugin
	if err := decodePlugin(pluginRecord, &p); err != nil {
		return nil, wrap("missing blobs", err)
	}
	var out []string
	err := r.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketBlobs)
		for _, v := range p.Versions {
			if b.Get([]byte(v.SHA256)) == nil {
				out = append(out, v.SHA256)
			}
		}
		return nil
	})
	return out, wrap("missing blobs", err)
}

// ApplyRecord stores raw as the record kind/id exactly as given: no
// checks against other records and no new timestamps, because the record
// was checked where it was written. For a plugin, blobs must hold the
// bytes of every version MissingBlobs reported (verified against their
// sha256), and the blobs of versions the record no longer lists are dropped
// unless another plugin uses them. changed is false when the record was
// already identical.
func (r *Registry) ApplyRecord(kind, id string, raw []byte, blobs map[string][]byte) (changed bool, err error) {
	name, err := recordBucket(kind)
	if err != nil {
		return false, err
	}
	if id == "" || len(raw) == 0 {
		return false, emptyArg("record")
	}
	err = r.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(name)
		old := b.Get([]byte(id))
		if bytes.Equal(old, raw) {
			return nil
		}
		changed = true
		if kind == RecordPlugin {
			return applyPlugin(tx, id, old, raw, blobs)
		}
		return b.Put([]byte(id), bytes.Clone(raw))
	})
	return changed, wrap("apply "+kind+" "+id, err)
}

func applyPlugin(tx *bolt.Tx, id string, old, raw []byte, blobs map[string][]byte) error {
	var p model.Plugin
	if err := decodePlugin(raw, &p); err != nil {
		return err
	}
	if p.Name != id {
		return fmt.Errorf("plugin record %q names plugin %q", id, p.Name)
	}
	bb := tx.Bucket(bucketBlobs)
	for _, v := range p.Versions {
		if bb.Get([]byte(v.SHA256)) != nil {
			continue
		}
		wasm, ok := blobs[v.SHA256]
		sum := sha256.Sum256(wasm)
		if !ok || hex.EncodeToString(sum[:]) != v.SHA256 {
			return fmt.Errorf("plugin %s version %d: bytes for sha256 %s missing or corrupt", id, v.Version, v.SHA256)
		}
		if err := bb.Put([]byte(v.SHA256), wasm); err != nil {
			return err
		}
	}
	if err := tx.Bucket(bucketPlugins).Put([]byte(id), bytes.Clone(raw)); err != nil {
		return err
	}
	if err := syncKVLimits(tx, p); err != nil {
		return err
	}
	if old == nil {
		return nil
	}
	var prev model.Plugin
	if err := decodePlugin(old, &prev); err != nil {
		return nil // an unreadable old record leaves its blobs; harmless
	}
	return dropBlobs(tx, prev)
}

// RemoveRecord deletes the record kind/id without checking who refers to
// it (the writer checked). Removing a plugin also drops its unused blobs and
// its KV namespace, as DeletePlugin does. changed is false when it did not
// exist.
func (r *Registry) RemoveRecord(kind, id string) (changed bool, err error) {
	name, err := recordBucket(kind)
	if err != nil {
		return false, err
	}
	err = r.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(name)
		old := b.Get([]byte(id))
		if old == nil {
			return nil
		}
		changed = true
		old = bytes.Clone(old)
		if err := b.Delete([]byte(id)); err != nil {
			return err
		}
		if kind != RecordPlugin {
			return nil
		}
		var p model.Plugin
		if err := decodePlugin(old, &p); err == nil {
			if err := dropBlobs(tx, p); err != nil {
				return err
			}
		}
		return dropNamespace(tx, id)
	})
	return changed, wrap("remove "+kind+" "+id, err)
}
