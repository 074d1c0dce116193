package registry

import (
	"errors"
	"path/filepath"
	"strconv"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// oldEntry encodes a KV entry as schema 1 stored it.
func oldEntry(rev uint64, expiry int64, value string) []byte {
	b := make([]byte, 16+len(value))
	for i := range 8 {
		b[7-i] = byte(rev >> (8 * i))
		b[15-i] = byte(uint64(expiry) >> (8 * i))
	}
	copy(b[16:], value)
	return b
}

func TestKVUsageMigration(t *testing.T) {
	path := filepath.Join(t.TempDir(), "old.db")
	// A schema-1 file as hostd wrote it before KV usage existed: no kvusage
	// bucket, no total, two namespaces, one entry long expired.
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, name := range []string{"meta", "plugins", "blobs", "routes", "kv", "keysets", "triggers"} {
			if _, err := tx.CreateBucket([]byte(name)); err != nil {
				return err
			}
		}
		if err := tx.Bucket([]byte("meta")).Put([]byte("schema_version"), []byte("1")); err != nil {
			return err
		}
		a, err := tx.Bucket([]byte("kv")).CreateBucket([]byte("a"))
		if err != nil {
			return err
		}
		for i, e := range []struct {
			k, v   string
			expiry int64
		}{{"one", "1", 0}, {"two", "22", 0}, {"gone", "expired", 1}} {
			if err := a.Put([]byte(e.k), oldEntry(uint64(i+1), e.expiry, e.v)); err != nil {
				return err
			}
		}
		b, err := tx.Bucket([]byte("kv")).CreateBucket([]byte("b"))
		if err != nil {
			return err
		}
		_, _ = tx.Bucket([]byte("kv")).CreateBucket([]byte("empty"))
		return b.Put([]byte("k"), oldEntry(1, 0, "value"))
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	c := newClock()
	r, err := Open(path, Options{Now: c.Now, NoSync: true, KV: KVLimits{MaxKeys: 3}})
	if err != nil {
		t.Fatalf("Open migrates: %v", err)
	}
	wantA := size("one", "1") + size("two", "22") + size("gone", "expired")
	wantUsage(t, r, "a", 3, wantA)
	wantUsage(t, r, "b", 1, size("k", "value"))
	wantUsage(t, r, "empty", 0, 0)
	if total, _ := r.KVTotalBytes(); total != wantA+size("k", "value") {
		t.Fatalf("total = %d", total)
	}
	// The migrated usage is enforced: "a" is at its 3 keys.
	if err := put(t, r, "a", "four", "4"); !errors.Is(err, ErrQuota) {
		t.Fatalf("new key in a full migrated namespace: %v", err)
	}
	if _, err := r.KVSweep(); err != nil {
		t.Fatal(err)
	}
	wantUsage(t, r, "a", 2, size("one", "1")+size("two", "22"))
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	// The file now says schema 2, and reopening does not count again.
	r = openAt(t, path, c)
	var v string
	_ = r.db.View(func(tx *bolt.Tx) error {
		v = string(tx.Bucket(bucketMeta).Get(keySchemaVersion))
		return nil
	})
	if v != strconv.Itoa(SchemaVersion) || SchemaVersion != 2 {
		t.Fatalf("schema_version = %q", v)
	}
	wantUsage(t, r, "a", 2, size("one", "1")+size("two", "22"))
}
