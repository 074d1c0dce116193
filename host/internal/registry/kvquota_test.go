package registry

import (
	"errors"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/hostd/hostd/host/internal/errs"
	"github.com/hostd/hostd/host/internal/model"
)

// openKV opens a fresh registry with KV limits and a free-space probe.
func openKV(t *testing.T, kv KVLimits, probe func() (uint64, error)) (*Registry, *clock) {
	t.Helper()
	c := newClock()
	r, err := Open(filepath.Join(t.TempDir(), "registry.db"),
		Options{Now: c.Now, NoSync: true, KV: kv, FreeSpace: probe})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Close() })
	return r, c
}

// size is what an entry counts for, written out independently of the code.
func size(key, value string) int64 { return int64(len(key) + len(value) + 32) }

// checkUsage recounts every namespace from its entries and fails unless the
// stored counters and the total match: the invariant every write keeps.
func checkUsage(t *testing.T, r *Registry) {
	t.Helper()
	err := r.db.View(func(tx *bolt.Tx) error {
		kv := tx.Bucket(bucketKV)
		var total uint64
		seen := map[string]bool{}
		err := kv.ForEachBucket(func(name []byte) error {
			var keys, bytes uint64
			_ = kv.Bucket(name).ForEach(func(k, v []byte) error {
				keys++
				bytes += uint64(len(k) + len(v) - entryHeader + 32)
				return nil
			})
			u, err := readUsage(tx, string(name))
			if err != nil {
				return err
			}
			if u.keys != keys || u.bytes != bytes {
				t.Errorf("namespace %s: stored usage %d keys %d bytes, recounted %d keys %d bytes",
					name, u.keys, u.bytes, keys, bytes)
			}
			total += bytes
			seen[string(name)] = true
			return nil
		})
		if err != nil {
			return err
		}
		err = kv.ForEach(func(k, v []byte) error {
			if v == nil { // a namespace's bucket
				return nil
			}
			ns, ok := strings.CutSuffix(string(k), "\x00")
			if !ok {
				t.Errorf("kv bucket holds a stray key %q", k)
				return nil
			}
			u, err := readUsage(tx, ns)
			if err == nil && !seen[ns] && (u.keys != 0 || u.bytes != 0) {
				t.Errorf("namespace %s has no entries but usage %+v", ns, u)
			}
			return err
		})
		if got := readTotal(tx); got != total {
			t.Errorf("stored total %d, recounted %d", got, total)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func usageOf(t *testing.T, r *Registry, ns string) model.KVUsage {
	t.Helper()
	u, err := r.KVUsage(ns)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func wantUsage(t *testing.T, r *Registry, ns string, keys, bytes int64) {
	t.Helper()
	if u := usageOf(t, r, ns); u.Keys != keys || u.Bytes != bytes {
		t.Fatalf("usage of %s = %d keys %d bytes, want %d keys %d bytes", ns, u.Keys, u.Bytes, keys, bytes)
	}
	checkUsage(t, r)
}

func put(t *testing.T, r *Registry, ns, key, value string) error {
	t.Helper()
	_, err := r.KVPut(ns, []byte(key), []byte(value), 0, nil)
	return err
}

func TestKVQuotaKeysAtTheLimit(t *testing.T) {
	r, _ := openKV(t, KVLimits{MaxKeys: 3}, nil)
	for _, k := range []string{"a", "b", "c"} {
		if err := put(t, r, "ns", k, "v"); err != nil {
			t.Fatalf("put %s: %v", k, err)
		}
	}
	err := put(t, r, "ns", "d", "v")
	if !errors.Is(err, ErrQuota) || errors.Is(err, ErrNoSpace) {
		t.Fatalf("fourth key: %v, want ErrQuota", err)
	}
	if _, _, found, _ := r.KVGet("ns", []byte("d")); found {
		t.Fatal("refused key was stored")
	}
	if err := put(t, r, "ns", "a", "overwrite"); err != nil {
		t.Fatalf("overwrite at the key limit: %v", err)
	}
	if err := put(t, r, "other", "d", "v"); err != nil {
		t.Fatalf("another namespace is not limited by this one: %v", err)
	}
	wantUsage(t, r, "ns", 3, size("a", "overwrite")+size("b", "v")+size("c", "v"))
	if u := usageOf(t, r, "ns"); u.MaxKeys != 3 || u.MaxBytes != DefaultKVMaxBytes || u.Scope != "node" {
		t.Fatalf("limits = %+v", u)
	}
}

func TestKVQuotaBytesAtTheLimit(t *testing.T) {
	r, _ := openKV(t, KVLimits{MaxBytes: 100}, nil)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	refused := func(err error) {
		t.Helper()
		if !errors.Is(err, ErrQuota) {
			t.Fatalf("err = %v, want ErrQuota", err)
		}
	}
	must(put(t, r, "ns", "a", string(make([]byte, 30)))) // 63 bytes
	must(put(t, r, "ns", "b", "four"))                   // 37: exactly 100
	wantUsage(t, r, "ns", 2, 100)
	refused(put(t, r, "ns", "c", ""))      // 33 more
	refused(put(t, r, "ns", "b", "five!")) // one more byte
	must(put(t, r, "ns", "b", "thr"))      // one less
	wantUsage(t, r, "ns", 2, 99)
	must(put(t, r, "ns", "b", "four")) // back to exactly 100
	wantUsage(t, r, "ns", 2, 100)
	if v, _, _, _ := r.KVGet("ns", []byte("b")); string(v) != "four" {
		t.Fatalf("b = %q", v)
	}

	r2, _ := openKV(t, KVLimits{MaxBytes: 1000}, nil)
	refused(put(t, r2, "ns", "big", string(make([]byte, 1000)))) // one value over the whole quota
	wantUsage(t, r2, "ns", 0, 0)
}

func TestKVUsageOverwriteDeleteSweep(t *testing.T) {
	r, c := openKV(t, KVLimits{}, nil)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(put(t, r, "ns", "k", "small"))
	must(put(t, r, "ns", "k", "a much longer value"))
	wantUsage(t, r, "ns", 1, size("k", "a much longer value"))
	must(put(t, r, "ns", "k", ""))
	wantUsage(t, r, "ns", 1, size("k", ""))

	if _, err := r.KVPut("ns", []byte("ttl1"), []byte("x"), time.Second, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := r.KVPut("ns", []byte("ttl2"), []byte("yy"), time.Second, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := r.KVPut("ns", []byte("ttl3"), []byte("zzz"), time.Second, nil); err != nil {
		t.Fatal(err)
	}
	c.Add(2 * time.Second)
	// Expired but not removed: they still take room.
	all := size("k", "") + size("ttl1", "x") + size("ttl2", "yy") + size("ttl3", "zzz")
	wantUsage(t, r, "ns", 4, all)
	// Overwriting an expired entry replaces it: the key count stays.
	must(put(t, r, "ns", "ttl3", "new"))
	wantUsage(t, r, "ns", 4, all)
	// Deleting an expired entry reports it absent but frees it.
	if found, err := r.KVDelete("ns", []byte("ttl2")); err != nil || found {
		t.Fatalf("delete expired = %v, %v", found, err)
	}
	wantUsage(t, r, "ns", 3, size("k", "")+size("ttl1", "x")+size("ttl3", "new"))
	if n, err := r.KVSweep(); err != nil || n != 1 {
		t.Fatalf("sweep = %d, %v", n, err)
	}
	wantUsage(t, r, "ns", 2, size("k", "")+size("ttl3", "new"))
	if found, err := r.KVDelete("ns", []byte("k")); err != nil || !found {
		t.Fatalf("delete = %v, %v", found, err)
	}
	if found, err := r.KVDelete("ns", []byte("k")); err != nil || found {
		t.Fatalf("second delete = %v, %v", found, err)
	}
	wantUsage(t, r, "ns", 1, size("ttl3", "new"))
}

func TestKVUsageDroppedWithThePlugin(t *testing.T) {
	r, _ := openKV(t, KVLimits{}, nil)
	for _, name := range []string{"p", "q"} {
		if _, _, err := r.AddVersion(name, []byte("module-"+name), true); err != nil {
			t.Fatal(err)
		}
		if err := put(t, r, name, "k", "value"); err != nil {
			t.Fatal(err)
		}
	}
	maxKeys := int64(7)
	if _, err := r.SetKVSettings("p", model.KVSettings{MaxKeys: &maxKeys}); err != nil {
		t.Fatal(err)
	}
	if err := r.DeletePlugin("p"); err != nil {
		t.Fatal(err)
	}
	wantUsage(t, r, "p", 0, 0)
	if u := usageOf(t, r, "p"); u.MaxKeys != DefaultKVMaxKeys {
		t.Fatalf("limit survived the plugin: %+v", u)
	}
	if total, _ := r.KVTotalBytes(); total != size("k", "value") {
		t.Fatalf("total after drop = %d, want %d", total, size("k", "value"))
	}
	if _, err := r.RemoveRecord(RecordPlugin, "q"); err != nil {
		t.Fatal(err)
	}
	wantUsage(t, r, "q", 0, 0)
	if total, _ := r.KVTotalBytes(); total != 0 {
		t.Fatalf("total after both drops = %d", total)
	}
}

func TestKVFailedCASChangesNothing(t *testing.T) {
	r, _ := openKV(t, KVLimits{MaxKeys: 1}, nil)
	rev, err := r.KVPut("ns", []byte("k"), []byte("v1"), 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	before := usageOf(t, r, "ns")
	if _, err := r.KVPut("ns", []byte("k"), []byte("much longer"), 0, u64(rev+1)); !errors.Is(err, ErrConflict) {
		t.Fatalf("stale CAS: %v", err)
	}
	if _, err := r.KVPut("ns", []byte("new"), []byte("v"), 0, u64(0)); !errors.Is(err, ErrQuota) {
		t.Fatalf("CAS create over the quota: %v", err)
	}
	if _, err := r.KVPut("ns", []byte("new"), []byte("v"), 0, u64(5)); !errors.Is(err, ErrConflict) {
		t.Fatalf("CAS on an absent key: %v", err)
	}
	if after := usageOf(t, r, "ns"); after != before {
		t.Fatalf("usage changed by failed CAS: %+v → %+v", before, after)
	}
	checkUsage(t, r)
	// No revision was spent either: the next write gets rev+1.
	rev2, err := r.KVPut("ns", []byte("k"), []byte("v2"), 0, u64(rev))
	if err != nil || rev2 != rev+1 {
		t.Fatalf("CAS = %d, %v; want revision %d", rev2, err, rev+1)
	}
}

func TestKVTotalCap(t *testing.T) {
	r, _ := openKV(t, KVLimits{MaxBytes: 1000, TotalBytes: 150}, nil)
	v := string(make([]byte, 40)) // 73 bytes with key "k"
	if err := put(t, r, "a", "k", v); err != nil {
		t.Fatal(err)
	}
	if err := put(t, r, "b", "k", v); err != nil { // 146 of 150
		t.Fatal(err)
	}
	err := put(t, r, "c", "k", "")
	if !errors.Is(err, ErrNoSpace) || errors.Is(err, ErrQuota) {
		t.Fatalf("over the total: %v, want ErrNoSpace", err)
	}
	wantUsage(t, r, "c", 0, 0)
	if _, err := r.KVDelete("a", []byte("k")); err != nil {
		t.Fatal(err)
	}
	if err := put(t, r, "c", "k", ""); err != nil {
		t.Fatalf("after a delete made room: %v", err)
	}
	if total, _ := r.KVTotalBytes(); total != 73+33 {
		t.Fatalf("total = %d", total)
	}
	checkUsage(t, r)
}

func TestKVPluginLimits(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.db")
	c := newClock()
	r := openAt(t, path, c)
	if _, _, err := r.AddVersion("p", []byte("module"), true); err != nil {
		t.Fatal(err)
	}
	n := func(v int64) *int64 { return &v }
	p, err := r.SetKVSettings("p", model.KVSettings{MaxKeys: n(2), MaxBytes: n(1000)})
	if err != nil || p.KVMaxKeys != 2 || p.KVMaxBytes != 1000 {
		t.Fatalf("SetKVSettings = %+v, %v", p, err)
	}
	for _, k := range []string{"a", "b"} {
		if err := put(t, r, "p", k, "v"); err != nil {
			t.Fatal(err)
		}
	}
	if err := put(t, r, "p", "c", "v"); !errors.Is(err, ErrQuota) {
		t.Fatalf("third key: %v", err)
	}
	// Bad settings are refused whole.
	scope := "galaxy"
	_, err = r.SetKVSettings("p", model.KVSettings{Scope: &scope, MaxKeys: n(9)})
	wantCode(t, err, errs.Invalid, "invalid_kv_scope")
	_, err = r.SetKVSettings("p", model.KVSettings{MaxKeys: n(9), MaxBytes: n(-1)})
	wantCode(t, err, errs.Invalid, "invalid_kv_limit")
	_, err = r.SetKVSettings("nope", model.KVSettings{MaxKeys: n(9)})
	wantCode(t, err, errs.NotFound, "plugin_not_found")
	if u := usageOf(t, r, "p"); u.MaxKeys != 2 || u.MaxBytes != 1000 {
		t.Fatalf("refused settings changed the limits: %+v", u)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}

	// The limits persist, and 0 goes back to the default.
	r = openAt(t, path, c)
	if err := put(t, r, "p", "c", "v"); !errors.Is(err, ErrQuota) {
		t.Fatalf("third key after reopen: %v", err)
	}
	if _, err := r.SetKVSettings("p", model.KVSettings{MaxKeys: n(0)}); err != nil {
		t.Fatal(err)
	}
	if err := put(t, r, "p", "c", "v"); err != nil {
		t.Fatalf("with the default again: %v", err)
	}
	if u := usageOf(t, r, "p"); u.MaxKeys != DefaultKVMaxKeys || u.MaxBytes != 1000 || u.Keys != 3 {
		t.Fatalf("usage = %+v", u)
	}

	// Lowered below what is stored: no growth, but shrinking works.
	if _, err := r.SetKVSettings("p", model.KVSettings{MaxKeys: n(1)}); err != nil {
		t.Fatal(err)
	}
	if err := put(t, r, "p", "d", "v"); !errors.Is(err, ErrQuota) {
		t.Fatalf("new key over a lowered limit: %v", err)
	}
	if err := put(t, r, "p", "a", ""); err != nil {
		t.Fatalf("shrinking overwrite over a lowered limit: %v", err)
	}
	if _, err := r.KVDelete("p", []byte("b")); err != nil {
		t.Fatal(err)
	}
	checkUsage(t, r)

	// A record from the cluster carries the limits too.
	raw, err := r.Record(RecordPlugin, "p")
	if err != nil {
		t.Fatal(err)
	}
	r2, _ := openKV(t, KVLimits{}, nil)
	if _, err := r2.ApplyRecord(RecordPlugin, "p", raw, map[string][]byte{p.Versions[0].SHA256: []byte("module")}); err != nil {
		t.Fatal(err)
	}
	if u := usageOf(t, r2, "p"); u.MaxKeys != 1 || u.MaxBytes != 1000 || u.Keys != 0 {
		t.Fatalf("applied record's limits = %+v", u)
	}
}

// Many writers racing for the last keys: exactly the quota gets in.
func TestKVQuotaConcurrent(t *testing.T) {
	r, _ := openKV(t, KVLimits{MaxKeys: 100}, nil)
	var ok atomic.Int64
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				err := put(t, r, "ns", strconv.Itoa(w)+"-"+strconv.Itoa(i), "v")
				switch {
				case err == nil:
					ok.Add(1)
				case !errors.Is(err, ErrQuota):
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	if ok.Load() != 100 {
		t.Fatalf("%d writes got in, want 100", ok.Load())
	}
	checkUsage(t, r)
}
