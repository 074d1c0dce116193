package replica

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hostd/hostd/host/internal/bus"
	"github.com/hostd/hostd/host/internal/model"
	"github.com/hostd/hostd/host/internal/registry"
	"github.com/hostd/hostd/host/internal/testpki"
)

func sealer(t *testing.T, file string) *Sealer {
	t.Helper()
	s, err := LoadSealer(file)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestSealedRecordsOnlyFromKeyHolders: two nodes with the cluster key
// replicate a route, sealed, and its deletion. Values written into the
// bucket by anyone else — a plain record, one sealed with another key, a
// sealed record moved to another key, a bare delete marker, garbage, an
// older sealed value replayed — are rejected, counted, and never applied.
func TestSealedRecordsOnlyFromKeyHolders(t *testing.T) {
	b, err := bus.Start(context.Background(), bus.Config{StoreDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Shutdown(context.Background()) })
	key := testpki.KeyFile(t)
	a, c := newNode(t, b), newNode(t, b)
	a.r.cfg.Sealer, c.r.cfg.Sealer = sealer(t, key), sealer(t, key)
	if _, _, err := a.reg.AddVersion("p", []byte("\x00asm\x01\x00\x00\x00"), true); err != nil {
		t.Fatal(err)
	}
	if _, _, err := a.reg.PutRoute(model.Route{ID: "r", Path: "/r", Handler: &model.Binding{Plugin: "p"}}); err != nil {
		t.Fatal(err)
	}
	a.start(t)
	c.start(t)
	eventually(t, "the sealed route on the second node", func() bool {
		rec, _ := c.reg.Record(registry.RecordRoute, "r")
		return rec != nil
	})
	ctx := context.Background()
	kv, err := b.KeyValue(ctx, Bucket, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	stored, err := kv.Get(ctx, Key(registry.RecordRoute, "r"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(stored.Value, []byte(sealMagic)) || bytes.Contains(stored.Value, []byte(`"/r"`)) {
		t.Fatalf("the bucket holds %q, want a sealed value", stored.Value)
	}

	// A NATS client without the key writes into the bucket.
	plain, _ := a.reg.Record(registry.RecordRoute, "r")
	evil := bytes.Replace(plain, []byte(`"r"`), []byte(`"evil"`), 1)
	other, err := NewSealer([]byte(strings.Repeat("not the cluster key ", 3)))
	if err != nil {
		t.Fatal(err)
	}
	forged, _ := other.seal(Key(registry.RecordRoute, "evil"), evil, stamp{gen: 1 << 60})
	moved := bytes.Clone(stored.Value) // sealed for routes.r
	for _, w := range []struct {
		key   string
		value []byte
	}{
		{Key(registry.RecordRoute, "evil"), evil},
		{Key(registry.RecordRoute, "evil2"), forged},
		{Key(registry.RecordRoute, "evil3"), moved},
		{Key(registry.RecordRoute, "evil4"), []byte(sealMagic + "short")},
	} {
		if _, err := kv.Put(ctx, w.key, w.value); err != nil {
			t.Fatal(err)
		}
	}
	if err := kv.Delete(ctx, Key(registry.RecordRoute, "r")); err != nil {
		t.Fatal(err)
	}
	// A legitimate change after them: once it is applied, the watch has
	// passed (and rejected) everything written before.
	a.mu.Lock()
	if _, _, err := a.reg.PutRoute(model.Route{ID: "after", Path: "/after", Handler: &model.Binding{Plugin: "p"}}); err != nil {
		t.Fatal(err)
	}
	if err := a.r.Publish(ctx, registry.RecordRoute, "after"); err != nil {
		t.Fatal(err)
	}
	a.mu.Unlock()
	eventually(t, "the later route on the second node", func() bool {
		rec, _ := c.reg.Record(registry.RecordRoute, "after")
		return rec != nil
	})
	for name, n := range map[string]*node{"first": a, "second": c} {
		for _, id := range []string{"evil", "evil2", "evil3", "evil4"} {
			if rec, _ := n.reg.Record(registry.RecordRoute, id); rec != nil {
				t.Errorf("%s node applied an injected route %s: %s", name, id, rec)
			}
		}
		if rec, _ := n.reg.Record(registry.RecordRoute, "r"); rec == nil {
			t.Errorf("%s node applied a bare delete marker", name)
		}
		got := n.r.Rejected()
		if got[RejectBadSeal] != 3 || got[RejectNoKey] != 0 || got[RejectMalform] != 0 || got[RejectUnsealed] == 0 {
			t.Errorf("%s node rejected %v, want 3 bad_seal and some unsealed", name, got)
		}
	}
	// Each of the two unsealed entries was seen by at least one node (the
	// first to see one heals it, so the other may only see the heal)...
	if u := a.r.Rejected()[RejectUnsealed] + c.r.Rejected()[RejectUnsealed]; u < 2 {
		t.Errorf("unsealed rejections %d, want at least 2", u)
	}
	// ...and the bucket holds sealed values for them again: the route as
	// it was, and a sealed deletion of the injected one.
	eventually(t, "the healed entries", func() bool {
		r, err1 := kv.Get(ctx, Key(registry.RecordRoute, "r"))
		e, err2 := kv.Get(ctx, Key(registry.RecordRoute, "evil"))
		return err1 == nil && err2 == nil && bytes.HasPrefix(r.Value, []byte(sealMagic)) && bytes.HasPrefix(e.Value, []byte(sealMagic))
	})
	if op, reason := a.r.cfg.Sealer.open(Key(registry.RecordRoute, "evil"), mustGet(t, kv, Key(registry.RecordRoute, "evil")), false); reason != "" || !op.deleted {
		t.Errorf("healed injected route = %+v %q, want a sealed deletion", op, reason)
	}

	// A replayed older sealed value is refused, and the bucket healed.
	// (Both nodes healing one entry at once is two concurrent writes: the
	// older of the two counts as stale too; hence the count before.)
	staleBefore := a.r.Rejected()[RejectStale] + c.r.Rejected()[RejectStale]
	old := mustGet(t, kv, Key(registry.RecordRoute, "after"))
	a.mu.Lock()
	if _, _, err := a.reg.PutRoute(model.Route{ID: "after", Path: "/after-v2", Handler: &model.Binding{Plugin: "p"}}); err != nil {
		t.Fatal(err)
	}
	if err := a.r.Publish(ctx, registry.RecordRoute, "after"); err != nil {
		t.Fatal(err)
	}
	a.mu.Unlock()
	v2, _ := a.reg.Record(registry.RecordRoute, "after")
	eventually(t, "the second version on the second node", func() bool {
		rec, _ := c.reg.Record(registry.RecordRoute, "after")
		return bytes.Equal(rec, v2)
	})
	if _, err := kv.Put(ctx, Key(registry.RecordRoute, "after"), old); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the replay refused and healed", func() bool {
		op, reason := a.r.cfg.Sealer.open(Key(registry.RecordRoute, "after"), mustGet(t, kv, Key(registry.RecordRoute, "after")), false)
		return reason == "" && bytes.Equal(op.record, v2)
	})
	for name, n := range map[string]*node{"first": a, "second": c} {
		if rec, _ := n.reg.Record(registry.RecordRoute, "after"); !bytes.Equal(rec, v2) {
			t.Errorf("%s node applied the replayed route: %s", name, rec)
		}
	}
	if st := a.r.Rejected()[RejectStale] + c.r.Rejected()[RejectStale]; st <= staleBefore {
		t.Error("the replay was not counted as stale")
	}

	// A sealed deletion replicates.
	c.mu.Lock()
	if err := c.reg.DeleteRoute("after"); err != nil {
		t.Fatal(err)
	}
	if err := c.r.Publish(ctx, registry.RecordRoute, "after"); err != nil {
		t.Fatal(err)
	}
	c.mu.Unlock()
	eventually(t, "the sealed delete on the first node", func() bool {
		rec, _ := a.reg.Record(registry.RecordRoute, "after")
		return rec == nil
	})
}

// TestUnkeyedNodeRejectsSealedRecords: a node without the key applies
// nothing sealed (it cannot tell what it says) and counts it.
func TestUnkeyedNodeRejectsSealedRecords(t *testing.T) {
	var s *Sealer
	k := sealer(t, testpki.KeyFile(t))
	v, err := k.seal("routes.r", []byte(`{}`), stamp{gen: 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, reason := s.open("routes.r", v, false); reason != RejectNoKey {
		t.Fatalf("unkeyed open = %q, want %q", reason, RejectNoKey)
	}
	if op, reason := k.open("routes.r", v, false); reason != "" || string(op.record) != `{}` {
		t.Fatalf("keyed open = %+v %q", op, reason)
	}
}

func TestLoadSealerRefusesWeakKeyFiles(t *testing.T) {
	dir := t.TempDir()
	short := filepath.Join(dir, "short")
	if err := os.WriteFile(short, []byte("0123456789abcdef\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadSealer(short); err == nil || !strings.Contains(err.Error(), "want at least 32") {
		t.Errorf("short key: %v", err)
	}
	open := testpki.KeyFile(t)
	if err := os.Chmod(open, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadSealer(open); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("group/world-readable key: %v", err)
	}
}

func mustGet(t *testing.T, kv *bus.KV, key string) []byte {
	t.Helper()
	e, err := kv.Get(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	return e.Value
}

// BenchmarkSealOpen seals and opens a 2 KiB record.
func BenchmarkSealOpen(b *testing.B) {
	s, err := NewSealer(bytes.Repeat([]byte("k"), 32))
	if err != nil {
		b.Fatal(err)
	}
	rec := bytes.Repeat([]byte("x"), 2048)
	b.SetBytes(int64(len(rec)))
	for b.Loop() {
		v, err := s.seal("route.r", rec, stamp{gen: 1})
		if err != nil {
			b.Fatal(err)
		}
		if _, reason := s.open("route.r", v, false); reason != "" {
			b.Fatal(reason)
		}
	}
}

// TestTurningSealingOnRepublishesSealed: records a cluster wrote before it
// had a key are refused by keyed nodes and replaced, at their first sync,
// by their own sealed copies.
func TestTurningSealingOnRepublishesSealed(t *testing.T) {
	b, err := bus.Start(context.Background(), bus.Config{StoreDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Shutdown(context.Background()) })
	before := newNode(t, b) // no key
	if _, _, err := before.reg.AddVersion("p", []byte("\x00asm\x01\x00\x00\x00"), true); err != nil {
		t.Fatal(err)
	}
	if _, _, err := before.reg.PutRoute(model.Route{ID: "r", Path: "/r", Handler: &model.Binding{Plugin: "p"}}); err != nil {
		t.Fatal(err)
	}
	before.start(t)
	before.r.Stop()

	after := newNode(t, b)
	after.r.cfg.Sealer = sealer(t, testpki.KeyFile(t))
	if _, _, err := after.reg.AddVersion("p", []byte("\x00asm\x01\x00\x00\x00"), true); err != nil {
		t.Fatal(err)
	}
	if _, _, err := after.reg.PutRoute(model.Route{ID: "r", Path: "/r", Handler: &model.Binding{Plugin: "p"}}); err != nil {
		t.Fatal(err)
	}
	after.start(t)
	kv, err := b.KeyValue(context.Background(), Bucket, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "sealed records in the bucket", func() bool {
		for _, k := range []string{Key(registry.RecordRoute, "r"), Key(registry.RecordPlugin, "p")} {
			if _, reason := after.r.cfg.Sealer.open(k, mustGet(t, kv, k), false); reason != "" {
				return false
			}
		}
		return true
	})
	if got := after.r.Rejected()[RejectUnsealed]; got != 2 {
		t.Errorf("unsealed rejections %d, want 2 (the route and the plugin)", got)
	}
}
