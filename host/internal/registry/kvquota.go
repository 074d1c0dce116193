package registry

import (
	"encoding/binary"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/hostd/hostd/host/internal/model"
)

// Defaults of KVLimits.
const (
	DefaultKVMaxKeys     = 100_000
	DefaultKVMaxBytes    = 64 << 20  // 64 MiB
	DefaultKVTotalBytes  = 1 << 30   // 1 GiB
	DefaultKVDiskReserve = 256 << 20 // 256 MiB
)

// KVEntryOverhead is what every KV entry counts for beyond its key and its
// value: the entry's 16-byte header (revision and expiry) and bbolt's
// 16-byte leaf element header. So an entry counts len(key) + len(value) +
// 32 bytes. The file itself is larger than the sum (bbolt fills pages to
// between half and all of their 4 KiB, keeps a free list and never shrinks).
const KVEntryOverhead = 32

// KVLimits bound the plugin KV data of a registry. A zero or negative field
// means its default.
type KVLimits struct {
	// MaxKeys is the number of entries a namespace may hold, unless the
	// plugin has its own limit. Default 100000.
	MaxKeys int64
	// MaxBytes is the bytes a namespace may hold (see KVEntryOverhead),
	// unless the plugin has its own limit. Default 64 MiB.
	MaxBytes int64
	// TotalBytes is the bytes all namespaces together may hold, whatever
	// their own limits. Default 1 GiB.
	TotalBytes int64
	// DiskReserve is the free space KV writes leave on the file system
	// holding the registry, for the registry's own writes. Default 256 MiB.
	DiskReserve int64
}

func (l KVLimits) withDefaults() KVLimits {
	for _, f := range []struct {
		v   *int64
		def int64
	}{{&l.MaxKeys, DefaultKVMaxKeys}, {&l.MaxBytes, DefaultKVMaxBytes},
		{&l.TotalBytes, DefaultKVTotalBytes}, {&l.DiskReserve, DefaultKVDiskReserve}} {
		if *f.v <= 0 {
			*f.v = f.def
		}
	}
	return l
}

// KVLimits returns the limits in force, defaults applied.
func (r *Registry) KVLimits() KVLimits { return r.kv }

// entrySize is what an entry with a key of klen bytes and a stored record
// (header and value) of rawLen bytes counts for.
func entrySize(klen, rawLen int) int64 {
	return int64(klen) + int64(rawLen) + (KVEntryOverhead - entryHeader)
}

// A usage record is four u64 big endian: keys, bytes, the plugin's own max
// keys and max bytes (0: the default). The limits mirror the plugin record
// and are written with it; the counts change in the transaction of every
// write that changes the namespace.
//
// The record lives in the kv bucket under the namespace's name followed by
// a zero byte, so it sorts right after the namespace's own bucket header:
// a KV write rewrites that page of the kv bucket anyway (the header holds
// the namespace's root page and revision sequence), and the record almost
// always shares it, so counting costs no extra page per write. (A bucket
// of its own cost 30-40% more per new key with 200 namespaces.) Namespaces
// cannot contain a zero byte (checkKV).
const usageLen = 32

var errCorruptUsage = errors.New("corrupt kv usage record")

type usage struct{ keys, bytes, maxKeys, maxBytes uint64 }

func usageKey(ns string) []byte { return []byte(ns + "\x00") }

func readUsage(tx *bolt.Tx, ns string) (usage, error) {
	return readUsageAt(tx, usageKey(ns), ns)
}

func readUsageAt(tx *bolt.Tx, key []byte, ns string) (usage, error) {
	raw := tx.Bucket(bucketKV).Get(key)
	if raw == nil {
		return usage{}, nil
	}
	if len(raw) != usageLen {
		return usage{}, fmt.Errorf("namespace %q: %w", ns, errCorruptUsage)
	}
	return usage{binary.BigEndian.Uint64(raw), binary.BigEndian.Uint64(raw[8:]),
		binary.BigEndian.Uint64(raw[16:]), binary.BigEndian.Uint64(raw[24:])}, nil
}

// writeUsage stores u; an all-zero record is deleted instead.
func writeUsage(tx *bolt.Tx, ns string, u usage) error {
	return writeUsageAt(tx, usageKey(ns), u)
}

func writeUsageAt(tx *bolt.Tx, key []byte, u usage) error {
	b := tx.Bucket(bucketKV)
	if u == (usage{}) {
		return b.Delete(key)
	}
	raw := make([]byte, usageLen)
	binary.BigEndian.PutUint64(raw, u.keys)
	binary.BigEndian.PutUint64(raw[8:], u.bytes)
	binary.BigEndian.PutUint64(raw[16:], u.maxKeys)
	binary.BigEndian.PutUint64(raw[24:], u.maxBytes)
	return b.Put(key, raw)
}

// The bytes of all namespaces together are the kv bucket's own sequence
// number (unused otherwise): it is kept in the bucket's header, in the root
// page that every KV write rewrites, so it costs nothing to keep.
func readTotal(tx *bolt.Tx) uint64 { return tx.Bucket(bucketKV).Sequence() }

func writeTotal(tx *bolt.Tx, v uint64) error { return tx.Bucket(bucketKV).SetSequence(v) }

// add applies a signed change to a counter, never below 0.
func add(v uint64, d int64) uint64 {
	if d < 0 {
		return v - min(v, uint64(-d))
	}
	return v + uint64(d)
}

// limits returns the namespace's effective limits.
func (r *Registry) limits(u usage) (maxKeys, maxBytes uint64) {
	maxKeys, maxBytes = uint64(r.kv.MaxKeys), uint64(r.kv.MaxBytes)
	if u.maxKeys > 0 {
		maxKeys = u.maxKeys
	}
	if u.maxBytes > 0 {
		maxBytes = u.maxBytes
	}
	return maxKeys, maxBytes
}

// charge checks that ns may grow by dk keys and db bytes and records the
// change, in tx. Growth over a limit fails with ErrQuota (the namespace's
// own) or ErrNoSpace (TotalBytes); a change that does not grow a count is
// always allowed, so a namespace over a lowered limit can still shrink.
func (r *Registry) charge(tx *bolt.Tx, ns string, dk, db int64) error {
	if dk == 0 && db == 0 {
		return nil
	}
	key := usageKey(ns)
	u, err := readUsageAt(tx, key, ns)
	if err != nil {
		return err
	}
	total := readTotal(tx)
	maxKeys, maxBytes := r.limits(u)
	switch {
	case dk > 0 && u.keys+uint64(dk) > maxKeys:
		return fmt.Errorf("%w: namespace %q holds %d keys, its limit is %d", ErrQuota, ns, u.keys, maxKeys)
	case db > 0 && u.bytes+uint64(db) > maxBytes:
		return fmt.Errorf("%w: namespace %q holds %d bytes, the write needs %d more, its limit is %d",
			ErrQuota, ns, u.bytes, db, maxBytes)
	case db > 0 && total+uint64(db) > uint64(r.kv.TotalBytes):
		return fmt.Errorf("%w: all namespaces hold %d bytes, the write needs %d more, the cap is %d",
			ErrNoSpace, total, db, r.kv.TotalBytes)
	}
	u.keys, u.bytes = add(u.keys, dk), add(u.bytes, db)
	if err := writeUsageAt(tx, key, u); err != nil {
		return err
	}
	if db == 0 {
		return nil
	}
	return writeTotal(tx, add(total, db))
}

// dropUsage removes ns's usage record and its bytes from the total.
func dropUsage(tx *bolt.Tx, ns string) error {
	u, err := readUsage(tx, ns)
	if err != nil {
		return err
	}
	if u == (usage{}) {
		return nil
	}
	if err := tx.Bucket(bucketKV).Delete(usageKey(ns)); err != nil {
		return err
	}
	return writeTotal(tx, add(readTotal(tx), -int64(u.bytes)))
}

// syncKVLimits copies the plugin's own KV limits into its usage record,
// where KVPut reads them. Every write of a plugin record calls it.
func syncKVLimits(tx *bolt.Tx, p model.Plugin) error {
	u, err := readUsage(tx, p.Name)
	if err != nil {
		return err
	}
	maxKeys, maxBytes := uint64(max(p.KVMaxKeys, 0)), uint64(max(p.KVMaxBytes, 0))
	if u.maxKeys == maxKeys && u.maxBytes == maxBytes {
		return nil
	}
	u.maxKeys, u.maxBytes = maxKeys, maxBytes
	return writeUsage(tx, p.Name, u)
}

// KVUsage returns what namespace ns holds in this registry and its
// effective limits.
func (r *Registry) KVUsage(ns string) (model.KVUsage, error) {
	if err := checkNamespace(ns); err != nil {
		return model.KVUsage{}, err
	}
	var u usage
	err := r.db.View(func(tx *bolt.Tx) error {
		var err error
		u, err = readUsage(tx, ns)
		return err
	})
	if err != nil {
		return model.KVUsage{}, wrap("kv usage", err)
	}
	maxKeys, maxBytes := r.limits(u)
	return model.KVUsage{Scope: model.KVScopeNode, Keys: int64(u.keys), Bytes: int64(u.bytes),
		MaxKeys: int64(maxKeys), MaxBytes: int64(maxBytes)}, nil
}

// KVTotalBytes returns the bytes all namespaces hold together.
func (r *Registry) KVTotalBytes() (int64, error) {
	var n uint64
	err := r.db.View(func(tx *bolt.Tx) error {
		n = readTotal(tx)
		return nil
	})
	return int64(n), wrap("kv total", err)
}

// migrateKVUsage (schema 1 → 2) counts the entries of every namespace
// already stored, expired ones included, so that an upgraded file starts
// with the usage it has.
func migrateKVUsage(tx *bolt.Tx) error {
	kv := tx.Bucket(bucketKV)
	var names []string // collected first: ForEach must not see kv change
	if err := kv.ForEachBucket(func(name []byte) error {
		names = append(names, string(name))
		return nil
	}); err != nil {
		return err
	}
	var total uint64
	for _, ns := range names {
		var u usage
		err := kv.Bucket([]byte(ns)).ForEach(func(k, v []byte) error {
			if v != nil { // nil: a nested bucket, not an entry
				u.keys++
				u.bytes += uint64(entrySize(len(k), len(v)))
			}
			return nil
		})
		if err == nil {
			err = writeUsage(tx, ns, u)
		}
		if err != nil {
			return fmt.Errorf("count kv usage of %q: %w", ns, err)
		}
		total += u.bytes
	}
	return writeTotal(tx, total)
}
