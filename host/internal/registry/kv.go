package registry

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/hostd/hostd/host/internal/errs"
)

// A KV entry is stored as revision (8 bytes, big endian), expiry (8 bytes,
// big endian unix nanoseconds, 0 = never) and the value.
const entryHeader = 16

var errCorruptEntry = errors.New("corrupt kv entry")

// entry is a decoded KV value; value aliases bbolt memory.
type entry struct {
	rev    uint64
	expiry int64
	value  []byte
}

// decodeEntry parses raw; ok is false if raw is nil (absent).
func decodeEntry(raw []byte) (e entry, ok bool, err error) {
	if raw == nil {
		return entry{}, false, nil
	}
	if len(raw) < entryHeader {
		return entry{}, false, errCorruptEntry
	}
	e.rev = binary.BigEndian.Uint64(raw)
	e.expiry = int64(binary.BigEndian.Uint64(raw[8:]))
	e.value = raw[entryHeader:]
	return e, true, nil
}

// live reports whether the entry exists at now (unix nanos).
func (e entry) live(now int64) bool { return e.expiry == 0 || now < e.expiry }

// lookup returns the live entry under key, if any.
func lookup(b *bolt.Bucket, key []byte, now int64) (entry, bool, error) {
	if b == nil {
		return entry{}, false, nil
	}
	e, ok, err := decodeEntry(b.Get(key))
	if err != nil || !ok || !e.live(now) {
		return entry{}, false, err
	}
	return e, true, nil
}

// namespace returns the namespace's bucket, or nil if it has none yet.
func namespace(tx *bolt.Tx, ns string) *bolt.Bucket {
	return tx.Bucket(bucketKV).Bucket([]byte(ns))
}

// writableNamespace returns the namespace's bucket, creating it if needed.
// The lookup comes first because it does not make ns escape to the heap.
func writableNamespace(tx *bolt.Tx, ns string) (*bolt.Bucket, error) {
	if b := namespace(tx, ns); b != nil {
		return b, nil
	}
	return tx.Bucket(bucketKV).CreateBucket([]byte(ns))
}

// dropNamespace deletes a namespace, everything in it and its usage
// record, if they exist.
func dropNamespace(tx *bolt.Tx, ns string) error {
	if err := dropUsage(tx, ns); err != nil {
		return err
	}
	kv := tx.Bucket(bucketKV)
	if kv.Bucket([]byte(ns)) == nil {
		return nil
	}
	return kv.DeleteBucket([]byte(ns))
}

func checkKV(ns string, key []byte) error {
	if err := checkNamespace(ns); err != nil {
		return err
	}
	if len(key) == 0 {
		return emptyArg("kv key")
	}
	return nil
}

// checkNamespace refuses an empty namespace and one with a zero byte,
// which the usage records' keys use as a separator.
func checkNamespace(ns string) error {
	if ns == "" {
		return emptyArg("kv namespace")
	}
	if strings.IndexByte(ns, 0) >= 0 {
		return errs.New(errs.Invalid, "invalid_argument", "registry: kv namespace %q contains a zero byte", ns)
	}
	return nil
}

// KVGet returns a copy of the value under key in namespace ns and its
// revision; found is false if the key is absent or expired.
func (r *Registry) KVGet(ns string, key []byte) (value []byte, rev uint64, found bool, err error) {
	if err := checkKV(ns, key); err != nil {
		return nil, 0, false, err
	}
	now := r.now().UnixNano()
	err = r.db.View(func(tx *bolt.Tx) error {
		e, ok, err := lookup(namespace(tx, ns), key, now)
		if ok {
			value, rev, found = bytes.Clone(e.value), e.rev, true
			if value == nil {
				value = []byte{}
			}
		}
		return err
	})
	if err != nil {
		return nil, 0, false, wrap("kv get", err)
	}
	return value, rev, found, nil
}

// KVPut writes value under key in namespace ns and returns the new
// revision. With expect nil it writes unconditionally; otherwise only if the
// key's current revision equals *expect (0: the key must be absent or
// expired), else it returns ErrConflict. ttl > 0 makes the entry expire
// after ttl; ttl <= 0 means never. Revisions increase strictly within a
// namespace.
//
// The write must fit the namespace's quota (KVLimits.MaxKeys and MaxBytes,
// or the plugin's own limits), else the error wraps ErrQuota; the total
// (KVLimits.TotalBytes) and the disk reserve, else it wraps ErrNoSpace. An
// overwrite counts the difference in size; a write that does not grow the
// namespace is refused only for the disk reserve. A refused write changes
// nothing.
func (r *Registry) KVPut(ns string, key, value []byte, ttl time.Duration, expect *uint64) (rev uint64, err error) {
	if err := checkKV(ns, key); err != nil {
		return 0, err
	}
	now := r.now().UnixNano()
	if err := r.disk.check(now); err != nil {
		return 0, err
	}
	var expiry int64
	if ttl > 0 {
		expiry = now + int64(ttl)
		if expiry < now { // overflow: a ttl beyond year 2262 means never
			expiry = 0
		}
	}
	// Build the record before the transaction: bbolt keeps a reference to it
	// until commit, and the caller's value may be guest memory.
	rec := make([]byte, entryHeader+len(value))
	binary.BigEndian.PutUint64(rec[8:], uint64(expiry))
	copy(rec[entryHeader:], value)
	var grown int64
	err = r.db.Update(func(tx *bolt.Tx) error {
		b, err := writableNamespace(tx, ns)
		if err != nil {
			return err
		}
		if expect != nil {
			cur, _, err := lookup(b, key, now)
			if err != nil {
				return err
			}
			if cur.rev != *expect {
				return ErrConflict
			}
		}
		// An entry already there, live or expired, is replaced: count the
		// difference.
		dk, db := int64(1), entrySize(len(key), len(rec))
		if old := b.Get(key); old != nil {
			dk, db = 0, db-entrySize(len(key), len(old))
		}
		if err := r.charge(tx, ns, dk, db); err != nil {
			return err
		}
		if rev, err = b.NextSequence(); err != nil {
			return err
		}
		binary.BigEndian.PutUint64(rec, rev)
		grown = db
		return b.Put(key, rec)
	})
	if err != nil {
		return 0, wrap("kv put", err)
	}
	r.disk.spent(grown)
	return rev, nil
}

// KVDelete removes key from namespace ns; found is false if it was absent
// or already expired (an expired entry is removed as well).
func (r *Registry) KVDelete(ns string, key []byte) (found bool, err error) {
	if err := checkKV(ns, key); err != nil {
		return false, err
	}
	now := r.now().UnixNano()
	err = r.db.Update(func(tx *bolt.Tx) error {
		b := namespace(tx, ns)
		if b == nil {
			return nil
		}
		raw := b.Get(key)
		if raw == nil {
			return nil
		}
		size := entrySize(len(key), len(raw))
		e, _, err := decodeEntry(raw)
		if err != nil {
			return err
		}
		found = e.live(now)
		if err := b.Delete(key); err != nil {
			return err
		}
		return r.charge(tx, ns, -1, -size)
	})
	if err != nil {
		return false, wrap("kv delete", err)
	}
	return found, nil
}

// KVList returns up to max live keys of namespace ns that start with prefix
// and sort strictly after after (nil: from the first), in ascending byte
// order. max <= 0 returns none.
func (r *Registry) KVList(ns string, prefix, after []byte, max int) ([][]byte, error) {
	if err := checkNamespace(ns); err != nil {
		return nil, err
	}
	if max <= 0 {
		return nil, nil
	}
	now := r.now().UnixNano()
	var out [][]byte
	err := r.db.View(func(tx *bolt.Tx) error {
		b := namespace(tx, ns)
		if b == nil {
			return nil
		}
		c := b.Cursor()
		k, v := seekList(c, prefix, after)
		for ; k != nil && bytes.HasPrefix(k, prefix) && len(out) < max; k, v = c.Next() {
			e, ok, err := decodeEntry(v)
			if err != nil {
				return fmt.Errorf("key %q: %w", k, err)
			}
			if ok && e.live(now) {
				out = append(out, bytes.Clone(k))
			}
		}
		return nil
	})
	if err != nil {
		return nil, wrap("kv list", err)
	}
	return out, nil
}

// seekList positions c on the first key that may start with prefix and
// sorts strictly after after.
func seekList(c *bolt.Cursor, prefix, after []byte) (k, v []byte) {
	if after == nil || bytes.Compare(after, prefix) < 0 {
		return c.Seek(prefix)
	}
	k, v = c.Seek(after)
	if bytes.Equal(k, after) {
		k, v = c.Next()
	}
	return k, v
}

// KVSweep deletes the expired entries of every namespace in one
// transaction and returns how many it deleted. It reads every entry, so its
// cost grows with the size of the KV store.
func (r *Registry) KVSweep() (int, error) {
	now := r.now().UnixNano()
	n := 0
	err := r.db.Update(func(tx *bolt.Tx) error {
		kv := tx.Bucket(bucketKV)
		var names [][]byte
		err := kv.ForEachBucket(func(name []byte) error {
			names = append(names, bytes.Clone(name))
			return nil
		})
		for _, name := range names {
			if err != nil {
				break
			}
			var d int
			var size int64
			d, size, err = sweepBucket(kv.Bucket(name), now)
			n += d
			if err == nil && d > 0 {
				err = r.charge(tx, string(name), -int64(d), -size)
			}
		}
		return err
	})
	if err != nil {
		return 0, wrap("kv sweep", err)
	}
	return n, nil
}

// sweepBucket deletes b's expired entries and returns how many and the
// bytes they counted for. Keys are collected first: deleting while a cursor
// walks the bucket can skip entries.
func sweepBucket(b *bolt.Bucket, now int64) (int, int64, error) {
	var dead [][]byte
	var size int64
	err := b.ForEach(func(k, v []byte) error {
		e, ok, err := decodeEntry(v)
		if err != nil {
			return fmt.Errorf("key %q: %w", k, err)
		}
		if ok && !e.live(now) {
			dead = append(dead, bytes.Clone(k))
			size += entrySize(len(k), len(v))
		}
		return nil
	})
	if err != nil {
		return 0, 0, err
	}
	for _, k := range dead {
		if err := b.Delete(k); err != nil {
			return 0, 0, err
		}
	}
	return len(dead), size, nil
}
