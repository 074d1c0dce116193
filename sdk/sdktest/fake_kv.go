package sdktest

import (
	"bytes"
	"encoding/binary"
	"sort"
	"strings"
	"time"

	"github.com/hostd/hostd/abi"
)

// KV is an in-memory KV namespace with revisions and TTLs, like hostd's.
// It is not safe for concurrent use.
type KV struct {
	// Withheld makes every kv_* call behave as when the operator withholds
	// KV from the plugin: writes return StatusDenied, reads find nothing,
	// and enable_features does not grant abi.FeatureKV.
	Withheld bool
	// MaxValue is the largest value accepted, in bytes. Default: 64 KiB.
	MaxValue int
	// MaxKeys, when not 0, is the namespace's quota of entries: a kv_put or
	// kv_cas that would add an entry past it returns StatusTooLarge and
	// writes nothing, as hostd does when the plugin's quota is full.
	// Expired entries do not count here (hostd counts them until removed).
	MaxKeys int
	// BeforeWrite, when set, runs at the start of every valid kv_put and
	// kv_cas with the key. Tests use it to make another "instance" write
	// first (directly, or with another Host's CallRequest) and so exercise a
	// plugin's compare-and-swap retry loop.
	BeforeWrite func(key string)

	entries map[string]kvEntry
	rev     uint64
	now     func() time.Time
}

type kvEntry struct {
	value   []byte
	rev     uint64
	expires time.Time // zero: never
}

// NewKV returns an empty store whose TTLs run on clock.
func NewKV(clock func() time.Time) *KV {
	return &KV{MaxValue: 64 << 10, entries: map[string]kvEntry{}, now: clock}
}

// Get returns the live value and revision of key.
func (kv *KV) Get(key string) (value []byte, rev uint64, found bool) {
	e, ok := kv.live(key)
	return e.value, e.rev, ok
}

// Set writes key as a kv_put would and returns the new revision; a ttl > 0
// sets an expiry. Tests use it to seed the store.
func (kv *KV) Set(key string, value []byte, ttl time.Duration) uint64 {
	kv.rev++
	e := kvEntry{value: append([]byte(nil), value...), rev: kv.rev}
	if ttl > 0 {
		e.expires = kv.now().Add(ttl)
	}
	kv.entries[key] = e
	return kv.rev
}

// Keys returns the live keys, sorted.
func (kv *KV) Keys() []string {
	var keys []string
	for k := range kv.entries {
		if _, ok := kv.live(k); ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys
}

func (kv *KV) live(key string) (kvEntry, bool) {
	e, ok := kv.entries[key]
	if ok && !e.expires.IsZero() && !kv.now().Before(e.expires) {
		delete(kv.entries, key)
		return kvEntry{}, false
	}
	return e, ok
}

func (f fake) kv(fn string) *KV {
	f.h.need(fn, anyPhase...)
	return f.h.KV
}

// keyStatus checks a key as hostd does.
func keyStatus(key []byte) abi.Status {
	switch {
	case len(key) == 0:
		return abi.StatusInvalidArgument
	case len(key) > abi.MaxKVKeyLen:
		return abi.StatusTooLarge
	}
	return abi.StatusOK
}

func (f fake) KVGet(key, buf []byte) (abi.Status, uint32, uint64) {
	kv := f.kv("kv_get")
	if st := keyStatus(key); st != abi.StatusOK {
		return st, 0, 0
	}
	if kv.Withheld {
		return abi.StatusDenied, 0, 0
	}
	e, ok := kv.live(string(key))
	if !ok {
		return abi.StatusNotFound, 0, 0
	}
	return abi.StatusOK, put(buf, string(e.value)), e.rev
}

func (f fake) KVPut(key, value []byte, ttlMillis int64) (abi.Status, uint64) {
	return f.kvWrite("kv_put", key, value, ttlMillis, nil)
}

func (f fake) KVCAS(key, value []byte, ttlMillis int64, expected uint64) (abi.Status, uint64) {
	return f.kvWrite("kv_cas", key, value, ttlMillis, &expected)
}

func (f fake) kvWrite(fn string, key, value []byte, ttlMillis int64, expect *uint64) (abi.Status, uint64) {
	kv := f.kv(fn)
	if st := keyStatus(key); st != abi.StatusOK {
		return st, 0
	}
	switch {
	case kv.Withheld:
		return abi.StatusDenied, 0
	case ttlMillis < 0:
		return abi.StatusInvalidArgument, 0
	case len(value) > kv.MaxValue:
		return abi.StatusTooLarge, 0
	}
	if kv.BeforeWrite != nil {
		// The host reads guest memory when the call starts.
		key, value = bytes.Clone(key), bytes.Clone(value)
		kv.BeforeWrite(string(key))
	}
	e, exists := kv.live(string(key))
	if expect != nil && e.rev != *expect {
		return abi.StatusConflict, 0
	}
	if !exists && kv.MaxKeys > 0 && len(kv.Keys()) >= kv.MaxKeys {
		return abi.StatusTooLarge, 0
	}
	return abi.StatusOK, kv.Set(string(key), value, time.Duration(ttlMillis)*time.Millisecond)
}

func (f fake) KVDelete(key []byte) abi.Status {
	kv := f.kv("kv_delete")
	if st := keyStatus(key); st != abi.StatusOK {
		return st
	}
	if kv.Withheld {
		return abi.StatusDenied
	}
	if _, ok := kv.live(string(key)); !ok {
		return abi.StatusNotFound
	}
	delete(kv.entries, string(key))
	return abi.StatusOK
}

func (f fake) KVList(prefix, after []byte, max uint32, buf []byte) (abi.Status, uint32) {
	kv := f.kv("kv_list")
	if kv.Withheld {
		return abi.StatusDenied, 0
	}
	if int32(max) <= 0 {
		return abi.StatusInvalidArgument, 0
	}
	max = min(max, abi.MaxKVListKeys)
	var out []byte
	count := uint32(0)
	for _, k := range kv.Keys() {
		if !strings.HasPrefix(k, string(prefix)) || (len(after) > 0 && k <= string(after)) {
			continue
		}
		out = binary.LittleEndian.AppendUint32(out, uint32(len(k)))
		out = append(out, k...)
		if count++; count == max {
			break
		}
	}
	return abi.StatusOK, put(buf, string(out))
}
