package bus

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	t.Cleanup(cancel)
	return ctx
}

// watchEntries starts a Watch that sends every entry to the returned
// channel; the watch stops when the test ends.
func watchEntries(t *testing.T, kv *KV, pattern string) <-chan Entry {
	t.Helper()
	ch := make(chan Entry, 64)
	stop, err := kv.Watch(context.Background(), pattern, func(e Entry) { ch <- e })
	if err != nil {
		t.Fatalf("Watch: %v", err)
	}
	t.Cleanup(stop)
	return ch
}

// nextEntry returns the next entry from ch or fails the test.
func nextEntry(t *testing.T, ch <-chan Entry) Entry {
	t.Helper()
	select {
	case e := <-ch:
		return e
	case <-time.After(wait):
		t.Fatal("no watch entry")
		return Entry{}
	}
}

// initialEntries collects entries from ch up to the InitialDone marker.
// A key may come more than once (on a node catching up), with increasing
// revisions; the last one counts.
func initialEntries(t *testing.T, ch <-chan Entry) map[string]Entry {
	t.Helper()
	got := make(map[string]Entry)
	for {
		e := nextEntry(t, ch)
		if e.InitialDone {
			return got
		}
		if prev, dup := got[e.Key]; dup && prev.Revision >= e.Revision {
			t.Errorf("initial values: key %q at revision %d after %d", e.Key, e.Revision, prev.Revision)
		}
		got[e.Key] = e
	}
}

func TestKVStandalone(t *testing.T) {
	ctx := testCtx(t)
	b := startBus(t, Config{})
	if err := b.WaitJetStream(ctx); err != nil {
		t.Fatalf("WaitJetStream: %v", err)
	}
	kv, err := b.KeyValue(ctx, "cfg", 3, 5) // standalone: 3 replicas count as 1
	if err != nil {
		t.Fatalf("KeyValue: %v", err)
	}
	keys, err := kv.Keys(ctx)
	if err != nil || keys == nil || len(keys) != 0 {
		t.Fatalf("Keys of empty bucket = %#v, %v; want empty slice", keys, err)
	}
	if _, err := kv.Get(ctx, "plugins/a"); !errors.Is(err, ErrKeyNotFound) {
		t.Errorf("Get missing = %v, want ErrKeyNotFound", err)
	}

	rev1, err := kv.Create(ctx, "plugins/a", []byte("v1"))
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	if _, err := kv.Create(ctx, "plugins/a", []byte("again")); !errors.Is(err, ErrKeyExists) {
		t.Errorf("second Create = %v, want ErrKeyExists", err)
	}
	rev2, err := kv.Update(ctx, "plugins/a", []byte("v2"), rev1)
	if err != nil || rev2 <= rev1 {
		t.Fatalf("Update = %d, %v; want a revision above %d", rev2, err, rev1)
	}
	if _, err := kv.Update(ctx, "plugins/a", []byte("stale"), rev1); !errors.Is(err, ErrRevisionMismatch) {
		t.Errorf("Update at stale revision = %v, want ErrRevisionMismatch", err)
	}
	e, err := kv.Get(ctx, "plugins/a")
	if err != nil || string(e.Value) != "v2" || e.Revision != rev2 || e.Key != "plugins/a" {
		t.Errorf("Get = %+v, %v; want v2 at %d", e, err, rev2)
	}

	key := "routes.a-b_c=d/e"
	if _, err := kv.Put(ctx, key, []byte("r")); err != nil {
		t.Fatalf("Put %q: %v", key, err)
	}
	if _, err := kv.Put(ctx, "gone", []byte("x")); err != nil {
		t.Fatal(err)
	}
	if err := kv.Delete(ctx, "gone"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, err := kv.Get(ctx, "gone"); !errors.Is(err, ErrKeyNotFound) {
		t.Errorf("Get deleted = %v, want ErrKeyNotFound", err)
	}
	if _, err := kv.Create(ctx, "gone", []byte("back")); err != nil {
		t.Errorf("Create after Delete: %v", err)
	}
	if err := kv.Delete(ctx, "gone"); err != nil {
		t.Fatal(err)
	}
	keys, err = kv.Keys(ctx)
	if want := []string{"plugins/a", key}; err != nil || !slices.Equal(keys, want) {
		t.Errorf("Keys = %q, %v; want %q", keys, err, want)
	}
	for _, bad := range []string{"", ".a", "a..b", "a b", "a*"} {
		if _, err := kv.Put(ctx, bad, nil); !errors.Is(err, ErrBadKey) {
			t.Errorf("Put(%q) = %v, want ErrBadKey", bad, err)
		}
	}
	if _, err := b.KeyValue(ctx, "bad.bucket", 1, 1); !errors.Is(err, ErrBadKey) {
		t.Errorf("KeyValue(bad.bucket) = %v, want ErrBadKey", err)
	}
}

func TestKVWatchStandalone(t *testing.T) {
	ctx := testCtx(t)
	b := startBus(t, Config{})
	kv, err := b.KeyValue(ctx, "w", 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kv.Put(ctx, "a.1", []byte("one")); err != nil {
		t.Fatal(err)
	}
	if _, err := kv.Put(ctx, "a.2", []byte("two")); err != nil {
		t.Fatal(err)
	}
	if err := kv.Delete(ctx, "a.2"); err != nil {
		t.Fatal(err)
	}
	if _, err := kv.Put(ctx, "b.1", []byte("other")); err != nil {
		t.Fatal(err)
	}

	ch := watchEntries(t, kv, "a.>")
	init := initialEntries(t, ch)
	if len(init) != 2 || string(init["a.1"].Value) != "one" || init["a.1"].Deleted ||
		!init["a.2"].Deleted {
		t.Fatalf("initial values = %+v, want a.1=one and a.2 deleted", init)
	}
	rev, err := kv.Put(ctx, "a.3", []byte("three"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kv.Put(ctx, "b.2", nil); err != nil { // not watched
		t.Fatal(err)
	}
	if err := kv.Delete(ctx, "a.1"); err != nil {
		t.Fatal(err)
	}
	if e := nextEntry(t, ch); e.Key != "a.3" || string(e.Value) != "three" || e.Revision != rev || e.Deleted {
		t.Errorf("first change = %+v, want a.3=three at %d", e, rev)
	}
	if e := nextEntry(t, ch); e.Key != "a.1" || !e.Deleted {
		t.Errorf("second change = %+v, want a.1 deleted", e)
	}

	empty := watchEntries(t, kv, "none.>")
	if e := nextEntry(t, empty); !e.InitialDone {
		t.Errorf("watch without matches: first entry %+v, want InitialDone", e)
	}
}

func TestWatchStopAndContext(t *testing.T) {
	ctx := testCtx(t)
	b := startBus(t, Config{})
	kv, err := b.KeyValue(ctx, "s", 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	calls := make(chan Entry, 64)
	stop, err := kv.Watch(ctx, "", func(e Entry) { calls <- e })
	if err != nil {
		t.Fatal(err)
	}
	nextEntry(t, calls) // InitialDone
	stop()
	stop() // idempotent
	if _, err := kv.Put(ctx, "k", []byte("after stop")); err != nil {
		t.Fatal(err)
	}

	// Ending ctx alone stops the watch: its server-side consumer goes away.
	wctx, cancel := context.WithCancel(ctx)
	if _, err := kv.Watch(wctx, "", func(Entry) {}); err != nil {
		t.Fatal(err)
	}
	if n := consumerCount(t, b, "KV_s"); n != 1 {
		t.Fatalf("consumers while watching = %d, want 1", n)
	}
	cancel()
	deadline := time.Now().Add(wait)
	for consumerCount(t, b, "KV_s") != 0 {
		if time.Now().After(deadline) {
			t.Fatal("watch consumer still there after its context ended")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if len(calls) != 0 {
		t.Errorf("%d entries after stop, want none", len(calls))
	}
}

func consumerCount(t *testing.T, b *Bus, stream string) int {
	t.Helper()
	js, err := jetstream.New(b.nc)
	if err != nil {
		t.Fatal(err)
	}
	s, err := js.Stream(context.Background(), stream)
	if err != nil {
		t.Fatal(err)
	}
	return s.CachedInfo().State.Consumers
}

func TestObjectsStandalone(t *testing.T) {
	ctx := testCtx(t)
	b := startBus(t, Config{})
	obs, err := b.ObjectStore(ctx, "wasm", 3) // standalone: counts as 1
	if err != nil {
		t.Fatalf("ObjectStore: %v", err)
	}
	blob := make([]byte, 3<<20+17)
	if _, err := rand.Read(blob); err != nil {
		t.Fatal(err)
	}
	if err := obs.Put(ctx, "sha256:abc", blob); err != nil {
		t.Fatalf("Put: %v", err)
	}
	got, err := obs.Get(ctx, "sha256:abc")
	if err != nil || !bytes.Equal(got, blob) {
		t.Fatalf("Get = %d bytes, %v; want the %d bytes put", len(got), err, len(blob))
	}
	if ok, err := obs.Has(ctx, "sha256:abc"); err != nil || !ok {
		t.Fatalf("Has after Put = %v, %v", ok, err)
	}
	if ok, err := obs.Has(ctx, "never"); err != nil || ok {
		t.Fatalf("Has missing = %v, %v", ok, err)
	}
	if err := obs.Put(ctx, "sha256:abc", []byte("small")); err != nil {
		t.Fatalf("Put replacing: %v", err)
	}
	if got, err := obs.Get(ctx, "sha256:abc"); err != nil || string(got) != "small" {
		t.Errorf("Get after replace = %q, %v", got, err)
	}
	if err := obs.Delete(ctx, "sha256:abc"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, err := obs.Get(ctx, "sha256:abc"); !errors.Is(err, ErrObjectNotFound) {
		t.Errorf("Get after Delete = %v, want ErrObjectNotFound", err)
	}
	if ok, err := obs.Has(ctx, "sha256:abc"); err != nil || ok {
		t.Errorf("Has after Delete = %v, %v", ok, err)
	}
	if err := obs.Delete(ctx, "never"); err != nil {
		t.Errorf("Delete missing = %v, want nil", err)
	}
	if _, err := obs.Get(ctx, "never"); !errors.Is(err, ErrObjectNotFound) {
		t.Errorf("Get missing = %v, want ErrObjectNotFound", err)
	}
	if err := obs.Put(ctx, "empty", nil); err != nil {
		t.Fatalf("Put empty: %v", err)
	}
	if got, err := obs.Get(ctx, "empty"); err != nil || len(got) != 0 {
		t.Errorf("Get empty = %q, %v", got, err)
	}
	again, err := b.ObjectStore(ctx, "wasm", 1) // binds
	if err != nil {
		t.Fatal(err)
	}
	if got, err := again.Get(ctx, "empty"); err != nil || len(got) != 0 {
		t.Errorf("Get through second handle = %q, %v", got, err)
	}
}

func TestWatchPattern(t *testing.T) {
	tests := []struct {
		pattern, key string
		match        bool
	}{
		{">", "a", true},
		{">", "a.b.c", true},
		{"a.>", "a", false},
		{"a.>", "a.b", true},
		{"a.>", "a.b.c", true},
		{"a.*", "a.b", true},
		{"a.*", "a.b.c", false},
		{"*.b", "a.b", true},
		{"a.b", "a.b", true},
		{"a.b", "a.bc", false},
		{"a/b=c.*", "a/b=c.x-y_z", true},
		{"a", "a.b", false},
	}
	for _, tc := range tests {
		toks, err := patternTokens(tc.pattern)
		if err != nil {
			t.Fatalf("patternTokens(%q): %v", tc.pattern, err)
		}
		if got := matchTokens(toks, tc.key); got != tc.match {
			t.Errorf("match(%q, %q) = %v, want %v", tc.pattern, tc.key, got, tc.match)
		}
	}
	for _, bad := range []string{"a..b", ".a", "a.", ">.a", "a*", "a b", "a.>b"} {
		if _, err := patternTokens(bad); !errors.Is(err, ErrBadKey) {
			t.Errorf("patternTokens(%q) = %v, want ErrBadKey", bad, err)
		}
	}
}

func TestLeaderReadKeyValue(t *testing.T) {
	b := startBus(t, Config{})
	ctx := context.Background()
	kv, err := b.LeaderReadKeyValue(ctx, "lr", 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kv.Put(ctx, "k", []byte("v")); err != nil {
		t.Fatal(err)
	}
	if e, err := kv.Get(ctx, "k"); err != nil || string(e.Value) != "v" {
		t.Fatalf("get %+v %v", e, err)
	}
	if _, err := b.LeaderReadKeyValue(ctx, "lr", 1, 1); err != nil { // idempotent
		t.Fatal(err)
	}
	js, err := jetstream.New(b.nc)
	if err != nil {
		t.Fatal(err)
	}
	st, err := js.Stream(ctx, "KV_lr")
	if err != nil {
		t.Fatal(err)
	}
	if st.CachedInfo().Config.AllowDirect {
		t.Fatal("direct gets still on: reads may be answered by a replica that is behind")
	}
}

func TestKVMaxBytes(t *testing.T) {
	ctx := testCtx(t)
	b := startBus(t, Config{})
	if err := b.WaitJetStream(ctx); err != nil {
		t.Fatal(err)
	}
	kv, err := b.KeyValue(ctx, "bounded", 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.SetKVMaxBytes(ctx, "bounded", 4096); err != nil {
		t.Fatalf("SetKVMaxBytes: %v", err)
	}
	value := bytes.Repeat([]byte("v"), 100)
	n := 0
	for ; n < 1000; n++ {
		_, err = kv.Put(ctx, "k"+strconv.Itoa(n), value)
		if err != nil {
			break
		}
	}
	if !errors.Is(err, ErrKVFull) || n == 0 || n >= 4096/100 {
		t.Fatalf("after %d puts: %v, want ErrKVFull before 41", n, err)
	}
	if _, err := kv.Create(ctx, "new", value); !errors.Is(err, ErrKVFull) {
		t.Fatalf("Create on a full bucket: %v", err)
	}
	if entries, _, err := b.KVUsage(ctx, "absent"); err != nil || entries != 0 {
		t.Fatalf("usage of a bucket that does not exist: %d, %v", entries, err)
	}
	if _, bytes, err := b.KVUsage(ctx, "bounded"); err != nil || bytes > 4096 {
		t.Fatalf("bucket holds %d bytes (over its 4096?), %v", bytes, err)
	}
	// Replacing with a value no larger, and deleting, still work.
	if _, err := kv.Put(ctx, "k0", value[:50]); err != nil {
		t.Fatalf("smaller overwrite on a full bucket: %v", err)
	}
	if err := kv.Delete(ctx, "k1"); err != nil {
		t.Fatalf("delete on a full bucket: %v", err)
	}
	if err := b.SetKVMaxBytes(ctx, "bounded", 0); err != nil {
		t.Fatal(err)
	}
	if _, err := kv.Put(ctx, "after", value); err != nil {
		t.Fatalf("unbounded again: %v", err)
	}
	if entries, _, err := b.KVUsage(ctx, "bounded"); err != nil || entries != uint64(n)+1 {
		t.Fatalf("Usage = %d entries, %v; want %d", entries, err, n+1)
	}
}
