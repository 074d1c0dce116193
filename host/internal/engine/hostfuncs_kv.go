package engine

import (
	"context"
	"encoding/binary"
	"errors"
	"time"

	"github.com/hostd/hostd/abi"
	"github.com/tetratelabs/wazero/api"
)

// KVStore is the durable store behind the kv_* functions, one namespace per
// plugin. The registry implements it.
type KVStore interface {
	KVGet(ns string, key []byte) (value []byte, rev uint64, found bool, err error)
	// KVPut writes unconditionally when expect is nil, else only when the
	// current revision equals *expect (0: absent), returning ErrKVConflict
	// otherwise. It returns an error wrapping ErrKVQuota when the write
	// would take the namespace over its quota, and one wrapping
	// ErrKVNoSpace when the store as a whole is full; nothing is written.
	KVPut(ns string, key, value []byte, ttl time.Duration, expect *uint64) (rev uint64, err error)
	KVDelete(ns string, key []byte) (found bool, err error)
	KVList(ns string, prefix, after []byte, max int) ([][]byte, error)
}

// ErrKVConflict is returned by KVStore.KVPut when a compare-and-swap sees
// another revision.
var ErrKVConflict = errors.New("engine: kv revision conflict")

// ErrKVQuota is wrapped by KVStore.KVPut errors when the plugin's namespace
// is full (its key or byte quota); kv_put and kv_cas return too_large.
var ErrKVQuota = errors.New("engine: kv quota reached")

// ErrKVNoSpace is wrapped by KVStore.KVPut errors when the store as a whole
// cannot take more (a cap on all plugins' data, or the disk reserve);
// kv_put and kv_cas return unavailable.
var ErrKVNoSpace = errors.New("engine: kv store full")

// kvKey reads and checks a key; ok is false with a status in stack[0].
func kvKey(m api.Module, ptr, n uint64, fn string, stack []uint64) ([]byte, bool) {
	if api.DecodeU32(n) == 0 {
		stack[0] = uint64(abi.StatusInvalidArgument)
		return nil, false
	}
	if api.DecodeU32(n) > abi.MaxKVKeyLen {
		stack[0] = uint64(abi.StatusTooLarge)
		return nil, false
	}
	return read(m, api.DecodeU32(ptr), api.DecodeU32(n), fn), true
}

func kvStore(i *Instance, fn string) KVStore {
	i.needPhase(fn, anyPhase...)
	return i.p.cfg.KV
}

func kvStatus(err error) abi.Status {
	switch {
	case errors.Is(err, ErrKVConflict):
		return abi.StatusConflict
	case errors.Is(err, ErrKVQuota):
		return abi.StatusTooLarge
	}
	return abi.StatusUnavailable // ErrKVNoSpace, or the store failed
}

func kvGet(ctx context.Context, m api.Module, stack []uint64) {
	i := instanceOf(ctx)
	kv := kvStore(i, "kv_get")
	key, ok := kvKey(m, stack[0], stack[1], "kv_get", stack)
	if !ok {
		stack[0] = abi.PackStatusLen(abi.Status(stack[0]), 0)
		return
	}
	if kv == nil {
		stack[0] = abi.PackStatusLen(abi.StatusDenied, 0)
		return
	}
	v, rev, found, err := kv.KVGet(i.p.b.KVNamespace, key)
	switch {
	case err != nil:
		i.p.hostWarn("kv_get failed", "error", err)
		stack[0] = abi.PackStatusLen(kvStatus(err), 0)
	case !found:
		stack[0] = abi.PackStatusLen(abi.StatusNotFound, 0)
	default:
		n := writeBytes(m, u32ToU(stack[2]), u32ToU(stack[3]), v, "kv_get")
		writeU64(m, u32ToU(stack[4]), rev, "kv_get")
		stack[0] = abi.PackStatusLen(abi.StatusOK, n)
	}
}

// kvWrite implements kv_put (expect == nil) and kv_cas.
func kvWrite(ctx context.Context, m api.Module, stack []uint64, fn string, expect *uint64, revPtr uint32) {
	i := instanceOf(ctx)
	kv := kvStore(i, fn)
	key, ok := kvKey(m, stack[0], stack[1], fn, stack)
	if !ok {
		return
	}
	val := read(m, u32ToU(stack[2]), u32ToU(stack[3]), fn)
	ttl := int64(stack[4])
	switch {
	case kv == nil:
		stack[0] = uint64(abi.StatusDenied)
	case ttl < 0:
		stack[0] = uint64(abi.StatusInvalidArgument)
	case len(val) > i.p.cfg.MaxKVValueBytes:
		stack[0] = uint64(abi.StatusTooLarge)
	default:
		needOut(m, revPtr, 8, fn) // before the write: a trap must not follow it
		rev, err := kv.KVPut(i.p.b.KVNamespace, key, val, millis(ttl), expect)
		if err != nil {
			stack[0] = uint64(kvStatus(err))
			return
		}
		writeU64(m, revPtr, rev, fn)
		stack[0] = uint64(abi.StatusOK)
	}
}

func kvPut(ctx context.Context, m api.Module, stack []uint64) {
	kvWrite(ctx, m, stack, "kv_put", nil, u32ToU(stack[5]))
}

func kvCAS(ctx context.Context, m api.Module, stack []uint64) {
	expect := stack[5]
	kvWrite(ctx, m, stack, "kv_cas", &expect, u32ToU(stack[6]))
}

func kvDelete(ctx context.Context, m api.Module, stack []uint64) {
	i := instanceOf(ctx)
	kv := kvStore(i, "kv_delete")
	key, ok := kvKey(m, stack[0], stack[1], "kv_delete", stack)
	if !ok {
		return
	}
	if kv == nil {
		stack[0] = uint64(abi.StatusDenied)
		return
	}
	found, err := kv.KVDelete(i.p.b.KVNamespace, key)
	switch {
	case err != nil:
		stack[0] = uint64(kvStatus(err))
	case !found:
		stack[0] = uint64(abi.StatusNotFound)
	default:
		stack[0] = uint64(abi.StatusOK)
	}
}

func kvList(ctx context.Context, m api.Module, stack []uint64) {
	i := instanceOf(ctx)
	kv := kvStore(i, "kv_list")
	prefix := read(m, u32ToU(stack[0]), u32ToU(stack[1]), "kv_list")
	after := read(m, u32ToU(stack[2]), u32ToU(stack[3]), "kv_list")
	max := int(api.DecodeI32(stack[4]))
	switch {
	case kv == nil:
		stack[0] = abi.PackStatusLen(abi.StatusDenied, 0)
		return
	case max <= 0:
		stack[0] = abi.PackStatusLen(abi.StatusInvalidArgument, 0)
		return
	}
	if len(after) == 0 {
		after = nil
	}
	keys, err := kv.KVList(i.p.b.KVNamespace, prefix, after, min(max, abi.MaxKVListKeys))
	if err != nil {
		i.p.hostWarn("kv_list failed", "error", err)
		stack[0] = abi.PackStatusLen(kvStatus(err), 0)
		return
	}
	size := 0
	for _, k := range keys {
		size += 4 + len(k)
	}
	out := make([]byte, 0, size)
	for _, k := range keys {
		out = binary.LittleEndian.AppendUint32(out, uint32(len(k)))
		out = append(out, k...)
	}
	n := writeBytes(m, u32ToU(stack[5]), u32ToU(stack[6]), out, "kv_list")
	stack[0] = abi.PackStatusLen(abi.StatusOK, n)
}
