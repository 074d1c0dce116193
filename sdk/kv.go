package sdk

import (
	"time"

	"github.com/hostd/hostd/abi"
	"github.com/hostd/hostd/sdk/internal/imports"
)

// KV is the plugin's key-value namespace on the host: durable, shared by
// every instance of the plugin, with a revision per entry for
// compare-and-swap and an optional time to live. When the operator
// withholds KV from the plugin, writes return ErrDenied; check with
// EnableFeatures(abi.FeatureKV) in the configure callback if the plugin
// cannot work without it.
//
// The namespace has a quota of entries and bytes set by the operator (in
// hostd, an entry counts its key, its value and 32 bytes). A write that
// would exceed it returns ErrTooLarge; one refused because the host's store
// as a whole is full, or its disk nearly so, returns ErrUnavailable. Either
// way nothing is written: delete entries (or write shorter values) to make
// room, and do not retry in a loop. Reads and deletes keep working.
var KV KVStore

// KVStore is the type of KV. It holds no state.
type KVStore struct{}

// checkKey rejects keys the host would refuse, so that Get, which cannot
// report a status, fails as clearly as the writes.
func checkKey(key string) error {
	switch {
	case key == "":
		return ErrInvalidArgument
	case len(key) > abi.MaxKVKeyLen:
		return ErrTooLarge
	}
	return nil
}

// ttlMillis converts a time to live to the ABI's milliseconds, rounding up
// so that a positive TTL never means "no expiry".
func ttlMillis(ttl time.Duration) (int64, error) {
	if ttl < 0 {
		return 0, ErrInvalidArgument
	}
	return int64((ttl + time.Millisecond - 1) / time.Millisecond), nil
}

// Get returns the value of key (a slice the caller owns) and its revision.
// found is false when the key is absent or expired; err reports a failure
// (ErrDenied, ErrUnavailable, …), which is never mistaken for absence.
func (kv KVStore) Get(key string) (value []byte, rev uint64, found bool, err error) {
	value, rev, found, err = kv.AppendGet(nil, key)
	if found && value == nil {
		value = []byte{} // an empty value is found, not absent
	}
	return value, rev, found, err
}

// Put writes key unconditionally and returns the new revision. A ttl > 0
// makes the entry expire after it; 0 keeps it until deleted. It returns
// ErrTooLarge when the key or value is over its limit or the write would
// take the namespace over its quota, and ErrUnavailable when the host's
// store cannot take it (down, or full); nothing is written then.
func (KVStore) Put(key string, value []byte, ttl time.Duration) (rev uint64, err error) {
	ms, err := ttlMillis(ttl)
	if err == nil {
		err = checkKey(key)
	}
	if err != nil {
		return 0, err
	}
	s, rev := imports.KVPut(bytesOf(key), value, ms)
	return rev, errOf(s)
}

// CompareAndSwap writes key only if its current revision is expectRev (0:
// only if the key is absent) and returns the new revision. It returns
// ErrConflict when another write came first: read again and retry. It
// fails with ErrTooLarge and ErrUnavailable as Put does (the revision is
// checked first); a failed CompareAndSwap changes nothing.
func (KVStore) CompareAndSwap(key string, value []byte, ttl time.Duration, expectRev uint64) (rev uint64, err error) {
	ms, err := ttlMillis(ttl)
	if err == nil {
		err = checkKey(key)
	}
	if err != nil {
		return 0, err
	}
	s, rev := imports.KVCAS(bytesOf(key), value, ms, expectRev)
	return rev, errOf(s)
}

// Delete removes key and reports whether it existed.
func (KVStore) Delete(key string) (found bool, err error) {
	if err := checkKey(key); err != nil {
		return false, err
	}
	switch s := imports.KVDelete(bytesOf(key)); s {
	case abi.StatusOK:
		return true, nil
	case abi.StatusNotFound:
		return false, nil
	default:
		return false, errOf(s)
	}
}

// ListPage returns up to max keys (at most abi.MaxKVListKeys) that start
// with prefix and sort after after ("" for the first page), in order. Pass
// the last key of a page as after to get the next one.
func (KVStore) ListPage(prefix, after string, max int) ([]string, error) {
	if max <= 0 {
		return nil, nil
	}
	max = min(max, abi.MaxKVListKeys)
	for {
		st, n := imports.KVList(bytesOf(prefix), bytesOf(after), uint32(max), scratch)
		if st != abi.StatusOK {
			return nil, errOf(st)
		}
		if n == 0 {
			return nil, nil
		}
		if fits(n) {
			return decodeKeys(nil, scratch[:n])
		}
	}
}

// Range calls fn for every key that starts with prefix, in order, until fn
// returns false. It reads the keys a page at a time.
func (s KVStore) Range(prefix string, fn func(key string) bool) error {
	after := ""
	for {
		keys, err := s.ListPage(prefix, after, 100)
		if err != nil || len(keys) == 0 {
			return err
		}
		for _, k := range keys {
			if !fn(k) {
				return nil
			}
		}
		after = keys[len(keys)-1]
	}
}

// decodeKeys decodes count entries of a u32 LE length and the key bytes.
func decodeKeys(out []string, b []byte) ([]string, error) {
	for len(b) > 0 {
		if len(b) < 4 {
			return nil, ErrInternal
		}
		n := uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
		if uint32(len(b)-4) < n {
			return nil, ErrInternal
		}
		out = append(out, string(b[4:4+n]))
		b = b[4+n:]
	}
	return out, nil
}
