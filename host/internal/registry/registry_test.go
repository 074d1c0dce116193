package registry

import (
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/hostd/hostd/host/internal/errs"
	"github.com/hostd/hostd/host/internal/model"
)

// clock is a settable time source for Options.Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2025, 1, 2, 3, 4, 5, 6, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// openAt opens a registry at path with a test clock and closes it at the
// end of the test (a second Close is harmless).
func openAt(t *testing.T, path string, c *clock) *Registry {
	t.Helper()
	r, err := Open(path, Options{Now: c.Now, NoSync: true, Timeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = r.Close() })
	return r
}

// openTest opens a fresh registry in a temporary directory.
func openTest(t *testing.T) (*Registry, *clock) {
	t.Helper()
	c := newClock()
	return openAt(t, filepath.Join(t.TempDir(), "registry.db"), c), c
}

// wantCode fails unless err is an *errs.Error of the given kind and code.
func wantCode(t *testing.T, err error, kind errs.Kind, code string) *errs.Error {
	t.Helper()
	e, ok := errs.As(err)
	if !ok {
		t.Fatalf("error %v: want *errs.Error %s", err, code)
	}
	if e.Kind != kind || e.Code != code {
		t.Fatalf("error kind/code = %d/%q, want %d/%q (%v)", e.Kind, e.Code, kind, code, err)
	}
	return e
}

func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func TestOpenPath(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.db")
	r := openAt(t, path, newClock())
	if r.Path() != path {
		t.Fatalf("Path() = %q, want %q", r.Path(), path)
	}
	if err := r.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if _, err := r.Plugins(); err == nil {
		t.Fatal("Plugins after Close: want error")
	}
}

func TestSecondOpenIsLocked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.db")
	openAt(t, path, newClock())
	r2, err := Open(path, Options{Timeout: 100 * time.Millisecond})
	if err == nil {
		_ = r2.Close()
		t.Fatal("second Open succeeded")
	}
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("err = %v, want ErrLocked", err)
	}
	want := "registry: " + path + " is in use by another process (is another hostd running on this data dir?)"
	if err.Error() != want {
		t.Fatalf("message = %q, want %q", err.Error(), want)
	}
}

func TestSchemaVersion(t *testing.T) {
	tests := []struct {
		name    string
		stored  string
		wantErr bool
	}{
		{"current", "2", false},
		{"older (migrated)", "1", false},
		{"newer", "3", true},
		{"unreadable", "one", true},
		{"zero", "0", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "r.db")
			r := openAt(t, path, newClock())
			if err := r.Close(); err != nil {
				t.Fatal(err)
			}
			setSchema(t, path, tt.stored)
			r, err := Open(path, Options{Timeout: 100 * time.Millisecond})
			if !tt.wantErr {
				if err != nil {
					t.Fatalf("Open: %v", err)
				}
				_ = r.Close()
				return
			}
			if !errors.Is(err, ErrSchema) {
				t.Fatalf("Open err = %v, want ErrSchema", err)
			}
			// The failed Open must have released the file.
			setSchema(t, path, "2")
		})
	}
}

// setSchema rewrites meta/schema_version with bbolt directly.
func setSchema(t *testing.T, path, v string) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatalf("bolt.Open: %v", err)
	}
	defer db.Close()
	err = db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketMeta).Put(keySchemaVersion, []byte(v))
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestPersistence(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.db")
	c := newClock()
	r := openAt(t, path, c)
	v, _, err := r.AddVersion("auth", []byte("module-1"), true)
	if err != nil {
		t.Fatal(err)
	}
	rt := model.Route{ID: "r1", Path: "/x", Handler: &model.Binding{Plugin: "auth", Version: 1}}
	if _, _, err := r.PutRoute(rt); err != nil {
		t.Fatal(err)
	}
	if _, err := r.KVPut("auth", []byte("k"), []byte("v"), 0, nil); err != nil {
		t.Fatal(err)
	}
	before := must[State](t)(r.State())
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}

	r = openAt(t, path, c)
	after := must[State](t)(r.State())
	if got, want := after.Plugins["auth"].Versions, before.Plugins["auth"].Versions; len(got) != 1 || got[0] != want[0] {
		t.Fatalf("versions after reopen = %+v, want %+v", got, want)
	}
	if len(after.Routes) != 1 || after.Routes[0].ID != "r1" || !after.Routes[0].UpdatedAt.Equal(before.Routes[0].UpdatedAt) {
		t.Fatalf("routes after reopen = %+v, want %+v", after.Routes, before.Routes)
	}
	if w := must[[]byte](t)(r.Wasm(v.SHA256)); string(w) != "module-1" {
		t.Fatalf("wasm after reopen = %q", w)
	}
	val, _, found, err := r.KVGet("auth", []byte("k"))
	if err != nil || !found || string(val) != "v" {
		t.Fatalf("KVGet after reopen = %q, %v, %v", val, found, err)
	}
}

func TestEmptyArguments(t *testing.T) {
	r, _ := openTest(t)
	zero := uint64(0)
	calls := map[string]func() error{
		"Plugin":      func() error { _, err := r.Plugin(""); return err },
		"Wasm":        func() error { _, err := r.Wasm(""); return err },
		"AddVersion":  func() error { _, _, err := r.AddVersion("", []byte("x"), true); return err },
		"NextVersion": func() error { _, err := r.NextVersion(""); return err },
		"SetActive":   func() error { _, err := r.SetActive("", 1); return err },
		"Delete":      func() error { return r.DeletePlugin("") },
		"Route":       func() error { _, err := r.Route(""); return err },
		"PutRoute":    func() error { _, _, err := r.PutRoute(model.Route{}); return err },
		"DeleteRoute": func() error { return r.DeleteRoute("") },
		"KVGet ns":    func() error { _, _, _, err := r.KVGet("", []byte("k")); return err },
		"KVGet key":   func() error { _, _, _, err := r.KVGet("ns", nil); return err },
		"KVPut key":   func() error { _, err := r.KVPut("ns", []byte{}, nil, 0, &zero); return err },
		"KVDelete":    func() error { _, err := r.KVDelete("ns", nil); return err },
		"KVList":      func() error { _, err := r.KVList("", nil, nil, 1); return err },
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			wantCode(t, call(), errs.Invalid, "invalid_argument")
		})
	}
	if ps := must[[]model.Plugin](t)(r.Plugins()); len(ps) != 0 {
		t.Fatalf("plugins after rejected calls: %+v", ps)
	}
}
