package registry

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

func u64(v uint64) *uint64 { return &v }

func TestKVGetPut(t *testing.T) {
	r, _ := openTest(t)
	if _, _, found, err := r.KVGet("ns", []byte("k")); err != nil || found {
		t.Fatalf("KVGet on empty store = %v, %v", found, err)
	}
	val := []byte("v1")
	rev1, err := r.KVPut("ns", []byte("k"), val, 0, nil)
	if err != nil || rev1 == 0 {
		t.Fatalf("KVPut = %d, %v", rev1, err)
	}
	val[0] = 'X' // the caller's buffer is not retained
	rev2, err := r.KVPut("ns", []byte("other"), nil, 0, nil)
	if err != nil || rev2 <= rev1 {
		t.Fatalf("second KVPut rev = %d after %d, %v", rev2, rev1, err)
	}
	got, rev, found, err := r.KVGet("ns", []byte("k"))
	if err != nil || !found || string(got) != "v1" || rev != rev1 {
		t.Fatalf("KVGet = %q, %d, %v, %v", got, rev, found, err)
	}
	got[0] = 'Y' // the returned slice is a copy
	if again, _, _, _ := r.KVGet("ns", []byte("k")); string(again) != "v1" {
		t.Fatalf("KVGet after mutating result = %q", again)
	}
	if got, _, found, _ := r.KVGet("ns", []byte("other")); !found || got == nil || len(got) != 0 {
		t.Fatalf("empty value: %q found=%v", got, found)
	}

	rev3, err := r.KVPut("ns", []byte("k"), []byte("v2"), 0, nil)
	if err != nil || rev3 <= rev2 {
		t.Fatalf("overwrite rev = %d, %v", rev3, err)
	}
	if found, err := r.KVDelete("ns", []byte("k")); err != nil || !found {
		t.Fatalf("KVDelete = %v, %v", found, err)
	}
	if found, err := r.KVDelete("ns", []byte("k")); err != nil || found {
		t.Fatalf("second KVDelete = %v, %v", found, err)
	}
	if found, err := r.KVDelete("no-such-ns", []byte("k")); err != nil || found {
		t.Fatalf("KVDelete in missing namespace = %v, %v", found, err)
	}
	if rev4, _ := r.KVPut("ns", []byte("k"), []byte("v3"), 0, nil); rev4 <= rev3 {
		t.Fatalf("revision after delete %d not above %d", rev4, rev3)
	}
}

func TestKVCompareAndSwap(t *testing.T) {
	r, _ := openTest(t)
	rev, err := r.KVPut("ns", []byte("present"), []byte("old"), 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		key     string
		expect  uint64
		wantErr error
		wantVal string
	}{
		{"mismatch", "present", rev + 100, ErrConflict, "old"},
		{"create-only on present key", "present", 0, ErrConflict, "old"},
		{"match", "present", rev, nil, "new"},
		{"stale after match", "present", rev, ErrConflict, "new"},
		{"create-only on absent key", "absent", 0, nil, "new"},
		{"non-zero on absent key", "absent2", 1, ErrConflict, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, before, _, _ := r.KVGet("ns", []byte(tt.key))
			got, err := r.KVPut("ns", []byte(tt.key), []byte("new"), 0, u64(tt.expect))
			if err != tt.wantErr {
				t.Fatalf("KVPut err = %v, want %v", err, tt.wantErr)
			}
			val, after, found, _ := r.KVGet("ns", []byte(tt.key))
			if string(val) != tt.wantVal || found != (tt.wantVal != "") {
				t.Fatalf("value = %q (found %v), want %q", val, found, tt.wantVal)
			}
			if err == nil && (after != got || got <= before) {
				t.Fatalf("rev = %d, stored %d, before %d", got, after, before)
			}
			if err != nil && after != before {
				t.Fatalf("rev changed on conflict: %d → %d", before, after)
			}
		})
	}
}

func TestKVTTL(t *testing.T) {
	r, c := openTest(t)
	if _, err := r.KVPut("ns", []byte("short"), []byte("s"), 10*time.Second, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := r.KVPut("ns", []byte("forever"), []byte("f"), -time.Second, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := r.KVPut("ns", []byte("huge"), []byte("h"), time.Duration(math.MaxInt64), nil); err != nil {
		t.Fatal(err)
	}
	c.Add(10*time.Second - 1)
	if _, _, found, _ := r.KVGet("ns", []byte("short")); !found {
		t.Fatal("entry expired early")
	}
	c.Add(1)
	if _, _, found, _ := r.KVGet("ns", []byte("short")); found {
		t.Fatal("entry visible at its expiry")
	}
	for _, k := range []string{"forever", "huge"} {
		if _, _, found, _ := r.KVGet("ns", []byte(k)); !found {
			t.Fatalf("entry %s expired", k)
		}
	}
	if keys := must[[][]byte](t)(r.KVList("ns", nil, nil, 10)); join(keys) != "forever,huge" {
		t.Fatalf("KVList = %q", keys)
	}
	if _, err := r.KVPut("ns", []byte("short"), []byte("again"), 0, u64(0)); err != nil {
		t.Fatalf("create-only over an expired entry: %v", err)
	}
	if _, err := r.KVPut("ns", []byte("gone"), []byte("g"), time.Second, nil); err != nil {
		t.Fatal(err)
	}
	c.Add(time.Second)
	if found, err := r.KVDelete("ns", []byte("gone")); err != nil || found {
		t.Fatalf("KVDelete of expired entry = %v, %v", found, err)
	}
}

func TestKVList(t *testing.T) {
	r, _ := openTest(t)
	for _, k := range []string{"a", "a1", "a2", "a3", "ab", "b1", "b2", "c"} {
		if _, err := r.KVPut("ns", []byte(k), []byte("x"), 0, nil); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name   string
		prefix string
		after  *string
		max    int
		want   string
	}{
		{"all", "", nil, 100, "a,a1,a2,a3,ab,b1,b2,c"},
		{"prefix", "a", nil, 100, "a,a1,a2,a3,ab"},
		{"prefix page 1", "a", nil, 2, "a,a1"},
		{"prefix page 2", "a", ptr("a1"), 2, "a2,a3"},
		{"prefix page 3", "a", ptr("a3"), 2, "ab"},
		{"prefix last page", "a", ptr("ab"), 2, ""},
		{"after not a key", "a", ptr("a25"), 10, "a3,ab"},
		{"after before prefix", "b", ptr("a"), 10, "b1,b2"},
		{"after beyond prefix", "a", ptr("b"), 10, ""},
		{"empty after is from the start", "", ptr(""), 2, "a,a1"},
		{"no match", "z", nil, 10, ""},
		{"max zero", "", nil, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var after []byte
			if tt.after != nil {
				after = []byte(*tt.after)
			}
			keys, err := r.KVList("ns", []byte(tt.prefix), after, tt.max)
			if err != nil {
				t.Fatal(err)
			}
			if got := join(keys); got != tt.want {
				t.Fatalf("KVList = %q, want %q", got, tt.want)
			}
		})
	}
	if keys := must[[][]byte](t)(r.KVList("missing", nil, nil, 10)); len(keys) != 0 {
		t.Fatalf("KVList of missing namespace = %q", keys)
	}
}

func ptr(s string) *string { return &s }

func join(keys [][]byte) string {
	s := make([]string, len(keys))
	for i, k := range keys {
		s[i] = string(k)
	}
	return strings.Join(s, ",")
}

func TestKVSweep(t *testing.T) {
	r, c := openTest(t)
	puts := []struct {
		ns, key string
		ttl     time.Duration
	}{
		{"a", "k1", time.Second}, {"a", "k2", time.Minute}, {"a", "k3", 0},
		{"b", "k1", time.Second}, {"b", "k2", 2 * time.Second}, {"c", "k", 0},
	}
	for _, p := range puts {
		if _, err := r.KVPut(p.ns, []byte(p.key), []byte("v"), p.ttl, nil); err != nil {
			t.Fatal(err)
		}
	}
	if n := must[int](t)(r.KVSweep()); n != 0 {
		t.Fatalf("sweep before expiry removed %d", n)
	}
	c.Add(2 * time.Second)
	if n := must[int](t)(r.KVSweep()); n != 3 {
		t.Fatalf("sweep removed %d, want 3", n)
	}
	if n := must[int](t)(r.KVSweep()); n != 0 {
		t.Fatalf("second sweep removed %d", n)
	}
	// Turning the clock back shows the entries are gone from the file, not
	// merely hidden.
	c.Add(-2 * time.Second)
	for _, k := range []struct{ ns, key string }{{"a", "k1"}, {"b", "k1"}, {"b", "k2"}} {
		if _, _, found, _ := r.KVGet(k.ns, []byte(k.key)); found {
			t.Fatalf("%s/%s survived the sweep", k.ns, k.key)
		}
	}
	if keys := must[[][]byte](t)(r.KVList("a", nil, nil, 10)); join(keys) != "k2,k3" {
		t.Fatalf("namespace a after sweep = %q", join(keys))
	}
}

func TestKVNamespaceIsolation(t *testing.T) {
	r, _ := openTest(t)
	for _, ns := range []string{"p1", "p2"} {
		if _, err := r.KVPut(ns, []byte("k"), []byte(ns), 0, nil); err != nil {
			t.Fatal(err)
		}
	}
	for _, ns := range []string{"p1", "p2"} {
		if v, _, _, _ := r.KVGet(ns, []byte("k")); string(v) != ns {
			t.Fatalf("%s/k = %q", ns, v)
		}
	}
	if _, err := r.KVDelete("p1", []byte("k")); err != nil {
		t.Fatal(err)
	}
	if _, _, found, _ := r.KVGet("p2", []byte("k")); !found {
		t.Fatal("delete in p1 removed p2/k")
	}
	if keys := must[[][]byte](t)(r.KVList("p1", nil, nil, 10)); len(keys) != 0 {
		t.Fatalf("p1 keys = %q", keys)
	}
}

// TestKVHammerCAS increments one counter from many goroutines with
// compare-and-swap; no increment may be lost.
func TestKVHammerCAS(t *testing.T) {
	r, _ := openTest(t)
	const workers = 8
	perWorker := 50
	if testing.Short() {
		perWorker = 10
	}
	key := []byte("counter")
	var wg sync.WaitGroup
	errc := make(chan error, workers)
	for range workers {
		wg.Go(func() {
			for range perWorker {
				if err := increment(r, key); err != nil {
					errc <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Fatal(err)
	}
	v, _, _, err := r.KVGet("ns", key)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(v); got != strconv.Itoa(workers*perWorker) {
		t.Fatalf("counter = %s, want %d", got, workers*perWorker)
	}
}

// increment adds one to the decimal counter at key, retrying on conflict.
func increment(r *Registry, key []byte) error {
	for {
		v, rev, found, err := r.KVGet("ns", key)
		if err != nil {
			return err
		}
		n := 0
		if found {
			if n, err = strconv.Atoi(string(v)); err != nil {
				return err
			}
		}
		_, err = r.KVPut("ns", key, []byte(strconv.Itoa(n+1)), 0, &rev)
		if err == nil {
			return nil
		}
		if err != ErrConflict {
			return fmt.Errorf("increment: %w", err)
		}
	}
}
