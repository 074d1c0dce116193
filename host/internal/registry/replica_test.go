package registry

import (
	"crypto/sha256"
	"encoding/hex"
	"testing"

	"github.com/hostd/hostd/host/internal/model"
)

func TestApplyRecordsBetweenRegistries(t *testing.T) {
	a, _ := openTest(t)
	b, _ := openTest(t)
	wasm := []byte("\x00asm\x01\x00\x00\x00")
	if _, _, err := a.AddVersion("p", wasm, true); err != nil {
		t.Fatal(err)
	}
	if _, _, err := a.PutRoute(model.Route{ID: "r", Path: "/r", Handler: &model.Binding{Plugin: "p"}}); err != nil {
		t.Fatal(err)
	}
	recs, err := a.Records()
	if err != nil {
		t.Fatal(err)
	}
	prec := recs[RecordPlugin]["p"]
	missing, err := b.MissingBlobs(prec)
	sum := sha256.Sum256(wasm)
	if err != nil || len(missing) != 1 || missing[0] != hex.EncodeToString(sum[:]) {
		t.Fatalf("missing %v %v", missing, err)
	}
	if _, err := b.ApplyRecord(RecordPlugin, "p", prec, nil); err == nil {
		t.Fatal("a plugin record without its bytes was applied")
	}
	if _, err := b.ApplyRecord(RecordPlugin, "p", prec, map[string][]byte{missing[0]: []byte("corrupt")}); err == nil {
		t.Fatal("corrupt bytes were applied")
	}
	for _, kind := range RecordKinds {
		for id, raw := range recs[kind] {
			changed, err := b.ApplyRecord(kind, id, raw, map[string][]byte{missing[0]: wasm})
			if err != nil || !changed {
				t.Fatalf("apply %s %s: %v %v", kind, id, changed, err)
			}
			if changed, _ := b.ApplyRecord(kind, id, raw, nil); changed {
				t.Fatalf("re-apply %s %s changed something", kind, id)
			}
		}
	}
	got, err := b.Records()
	if err != nil {
		t.Fatal(err)
	}
	if string(got[RecordRoute]["r"]) != string(recs[RecordRoute]["r"]) || string(got[RecordPlugin]["p"]) != string(prec) {
		t.Fatal("records differ after apply")
	}
	if w, err := b.Wasm(missing[0]); err != nil || string(w) != string(wasm) {
		t.Fatalf("blob %q %v", w, err)
	}
	// Remove skips the in-use check: the writer made it.
	for _, kind := range []string{RecordPlugin, RecordRoute} {
		id := map[string]string{RecordPlugin: "p", RecordRoute: "r"}[kind]
		if changed, err := b.RemoveRecord(kind, id); err != nil || !changed {
			t.Fatalf("remove %s: %v %v", kind, changed, err)
		}
	}
	if _, err := b.Wasm(missing[0]); err == nil {
		t.Fatal("blob kept after its plugin was removed")
	}
	if changed, err := b.RemoveRecord(RecordRoute, "r"); err != nil || changed {
		t.Fatalf("second remove: %v %v", changed, err)
	}
	if _, err := b.ApplyRecord("bogus", "x", []byte("{}"), nil); err == nil {
		t.Fatal("unknown kind accepted")
	}
}

func TestSetKVScope(t *testing.T) {
	r, _ := openTest(t)
	if _, err := r.SetKVScope("p", model.KVScopeCluster); err == nil {
		t.Fatal("scope set on a missing plugin")
	}
	if _, _, err := r.AddVersion("p", []byte("\x00asm\x01\x00\x00\x00"), true); err != nil {
		t.Fatal(err)
	}
	p, err := r.SetKVScope("p", model.KVScopeCluster)
	if err != nil || p.KVScope != model.KVScopeCluster {
		t.Fatalf("%+v %v", p, err)
	}
	if p, err = r.SetKVScope("p", model.KVScopeNode); err != nil || p.KVScope != "" {
		t.Fatalf("%+v %v", p, err)
	}
}
