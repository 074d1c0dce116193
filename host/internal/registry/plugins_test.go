package registry

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/hostd/hostd/host/internal/errs"
	"github.com/hostd/hostd/host/internal/model"
)

func shaOf(b string) string {
	s := sha256.Sum256([]byte(b))
	return hex.EncodeToString(s[:])
}

func TestAddVersionNumberingDedupeAndActivate(t *testing.T) {
	r, c := openTest(t)
	steps := []struct {
		wasm        string
		activate    bool
		wantVersion int
		wantCreated bool
		wantActive  int
	}{
		{"A", false, 1, true, 1},  // first version is active even without activate
		{"B", false, 2, true, 1},  // new version, not activated
		{"C", true, 3, true, 3},   // new version, activated
		{"B", false, 2, false, 3}, // same bytes: existing version, active unchanged
		{"A", true, 1, false, 1},  // same bytes with activate: existing version becomes active
		{"D", false, 4, true, 1},
	}
	for i, s := range steps {
		c.Add(time.Second)
		next := must[int](t)(r.NextVersion("p"))
		v, created, err := r.AddVersion("p", []byte(s.wasm), s.activate)
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if v.Version != s.wantVersion || created != s.wantCreated {
			t.Fatalf("step %d: version %d created %v, want %d %v", i, v.Version, created, s.wantVersion, s.wantCreated)
		}
		if created && next != v.Version {
			t.Fatalf("step %d: NextVersion said %d, AddVersion gave %d", i, next, v.Version)
		}
		if v.SHA256 != shaOf(s.wasm) || v.Size != int64(len(s.wasm)) || v.Name != "p" {
			t.Fatalf("step %d: version %+v", i, v)
		}
		p := must[model.Plugin](t)(r.Plugin("p"))
		if p.ActiveVersion != s.wantActive {
			t.Fatalf("step %d: active %d, want %d", i, p.ActiveVersion, s.wantActive)
		}
		if stored, _ := p.Version(v.Version); stored != v {
			t.Fatalf("step %d: stored %+v, returned %+v", i, stored, v)
		}
	}
	p := must[model.Plugin](t)(r.Plugin("p"))
	for i, v := range p.Versions {
		if v.Version != i+1 {
			t.Fatalf("versions not ascending: %+v", p.Versions)
		}
	}
	if !p.Versions[0].CreatedAt.Equal(newClock().Now().Add(time.Second)) || !p.CreatedAt.Equal(p.Versions[0].CreatedAt) {
		t.Fatalf("created at: plugin %v, v1 %v", p.CreatedAt, p.Versions[0].CreatedAt)
	}
	if n := must[int](t)(r.NextVersion("p")); n != 5 {
		t.Fatalf("NextVersion = %d, want 5", n)
	}
	if n := must[int](t)(r.NextVersion("other")); n != 1 {
		t.Fatalf("NextVersion of a new plugin = %d, want 1", n)
	}
}

func TestPluginsSortedAndNotFound(t *testing.T) {
	r, _ := openTest(t)
	for _, name := range []string{"zeta", "alpha", "mid"} {
		if _, _, err := r.AddVersion(name, []byte(name), true); err != nil {
			t.Fatal(err)
		}
	}
	ps := must[[]model.Plugin](t)(r.Plugins())
	var names []string
	for _, p := range ps {
		names = append(names, p.Name)
	}
	if strings.Join(names, ",") != "alpha,mid,zeta" {
		t.Fatalf("Plugins order = %v", names)
	}
	_, err := r.Plugin("nope")
	wantCode(t, err, errs.NotFound, "plugin_not_found")
	_, err = r.Wasm(shaOf("nope"))
	wantCode(t, err, errs.NotFound, "blob_not_found")
}

func TestWasmReturnsCopy(t *testing.T) {
	r, _ := openTest(t)
	in := []byte("module")
	v, _, err := r.AddVersion("p", in, true)
	if err != nil {
		t.Fatal(err)
	}
	in[0] = 'X' // the caller's buffer is not retained
	got := must[[]byte](t)(r.Wasm(v.SHA256))
	got[0] = 'Y'
	if again := must[[]byte](t)(r.Wasm(v.SHA256)); string(again) != "module" {
		t.Fatalf("Wasm = %q, want module", again)
	}
}

func TestSetActive(t *testing.T) {
	r, c := openTest(t)
	for _, w := range []string{"A", "B"} {
		if _, _, err := r.AddVersion("p", []byte(w), false); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name     string
		plugin   string
		version  int
		wantCode string
	}{
		{"unknown plugin", "q", 1, "plugin_not_found"},
		{"unknown version", "p", 3, "version_not_found"},
		{"zero version", "p", 0, "version_not_found"},
		{"ok", "p", 2, ""},
		{"already active", "p", 2, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c.Add(time.Minute)
			p, err := r.SetActive(tt.plugin, tt.version)
			if tt.wantCode != "" {
				wantCode(t, err, errs.NotFound, tt.wantCode)
				return
			}
			if err != nil || p.ActiveVersion != tt.version {
				t.Fatalf("SetActive = %+v, %v", p, err)
			}
			if got := must[model.Plugin](t)(r.Plugin("p")); got.ActiveVersion != tt.version {
				t.Fatalf("stored active = %d", got.ActiveVersion)
			}
		})
	}
}

func TestDeletePlugin(t *testing.T) {
	r, _ := openTest(t)
	mustAdd(t, r, "auth", "A1", "A2")
	mustAdd(t, r, "other", "O1")
	for _, rt := range []model.Route{
		{ID: "r1", Path: "/a", Filters: []model.Binding{{Plugin: "auth"}}, Handler: &model.Binding{Plugin: "other"}},
		{ID: "r2", Path: "/b", Handler: &model.Binding{Plugin: "auth", Version: 2}},
		{ID: "r3", Path: "/c", Handler: &model.Binding{Plugin: "other"}},
	} {
		if _, _, err := r.PutRoute(rt); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := r.KVPut("auth", []byte("k"), []byte("v"), 0, nil); err != nil {
		t.Fatal(err)
	}

	e := wantCode(t, r.DeletePlugin("auth"), errs.Conflict, "plugin_in_use")
	if !strings.Contains(e.Message, "route r1, route r2") || strings.Contains(e.Message, "r3") {
		t.Fatalf("message %q should name r1 and r2 only", e.Message)
	}
	if _, err := r.Plugin("auth"); err != nil {
		t.Fatalf("plugin gone after refused delete: %v", err)
	}
	if _, _, found, _ := r.KVGet("auth", []byte("k")); !found {
		t.Fatal("KV gone after refused delete")
	}

	for _, id := range []string{"r1", "r2"} {
		if err := r.DeleteRoute(id); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.DeletePlugin("auth"); err != nil {
		t.Fatalf("DeletePlugin: %v", err)
	}
	_, err := r.Plugin("auth")
	wantCode(t, err, errs.NotFound, "plugin_not_found")
	wantCode(t, r.DeletePlugin("auth"), errs.NotFound, "plugin_not_found")
	if _, _, found, _ := r.KVGet("auth", []byte("k")); found {
		t.Fatal("KV namespace survived DeletePlugin")
	}
	if n := must[int](t)(r.NextVersion("auth")); n != 1 {
		t.Fatalf("NextVersion after delete = %d, want 1", n)
	}
	if _, err := r.Plugin("other"); err != nil {
		t.Fatalf("other plugin: %v", err)
	}
}

func TestBlobGarbageCollection(t *testing.T) {
	r, _ := openTest(t)
	mustAdd(t, r, "a", "only-a", "shared")
	mustAdd(t, r, "b", "shared", "only-b")

	if err := r.DeletePlugin("a"); err != nil {
		t.Fatal(err)
	}
	_, err := r.Wasm(shaOf("only-a"))
	wantCode(t, err, errs.NotFound, "blob_not_found")
	for _, w := range []string{"shared", "only-b"} {
		if got, err := r.Wasm(shaOf(w)); err != nil || string(got) != w {
			t.Fatalf("Wasm(%s) = %q, %v", w, got, err)
		}
	}

	if err := r.DeletePlugin("b"); err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"shared", "only-b"} {
		_, err := r.Wasm(shaOf(w))
		wantCode(t, err, errs.NotFound, "blob_not_found")
	}
}

// mustAdd adds each module as a new version of plugin.
func mustAdd(t *testing.T, r *Registry, plugin string, modules ...string) {
	t.Helper()
	for _, m := range modules {
		if _, created, err := r.AddVersion(plugin, []byte(m), false); err != nil || !created {
			t.Fatalf("AddVersion(%s, %s) = %v, %v", plugin, m, created, err)
		}
	}
}

func TestTriggerBindsPluginAndBlocksDelete(t *testing.T) {
	r, _ := openTest(t)
	_, _, err := r.PutTrigger(model.Trigger{ID: "t1", Subject: "a.b", Plugin: "nope"})
	if e := wantCode(t, err, errs.Unprocessable, "unknown_plugin"); !strings.Contains(e.Message, `trigger "t1" binds plugin "nope"`) {
		t.Fatalf("message %q", e.Message)
	}
	if _, _, err := r.AddVersion("p", []byte("\x00asm\x01\x00\x00\x00"), true); err != nil {
		t.Fatal(err)
	}
	tr, created, err := r.PutTrigger(model.Trigger{ID: "t1", Subject: "a.b", Plugin: "p"})
	if err != nil || !created || tr.CreatedAt.IsZero() {
		t.Fatalf("put: %v %v %+v", err, created, tr)
	}
	e := wantCode(t, r.DeletePlugin("p"), errs.Conflict, "plugin_in_use")
	if !strings.Contains(e.Message, "trigger t1") {
		t.Fatalf("message %q should name the trigger", e.Message)
	}
	st, err := r.State()
	if err != nil || len(st.Triggers) != 1 {
		t.Fatalf("state: %v %+v", err, st.Triggers)
	}
	if err := r.DeleteTrigger("t1"); err != nil {
		t.Fatal(err)
	}
	wantCode(t, r.DeleteTrigger("t1"), errs.NotFound, "trigger_not_found")
	if err := r.DeletePlugin("p"); err != nil {
		t.Fatal(err)
	}
}
