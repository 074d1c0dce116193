package replica

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/hostd/hostd/host/internal/bus"
	"github.com/hostd/hostd/host/internal/model"
	"github.com/hostd/hostd/host/internal/registry"
)

// node is one registry with its replicator, sharing a bus with others as
// the nodes of a cluster share JetStream.
type node struct {
	reg     *registry.Registry
	r       *Replicator
	mu      sync.Mutex
	changed map[string]int
	fetched []string
}

func newNode(t *testing.T, b *bus.Bus) *node {
	t.Helper()
	reg, err := registry.Open(filepath.Join(t.TempDir(), "registry.db"), registry.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = reg.Close() })
	n := &node{reg: reg, changed: map[string]int{}}
	n.r = New(Config{Bus: b, Store: reg, Lock: &n.mu, RetryEvery: 100 * time.Millisecond,
		Changed: func(kinds map[string]bool) {
			for k := range kinds {
				n.changed[k]++
			}
		},
		NewBytes: func(p string) { n.fetched = append(n.fetched, p) },
	})
	return n
}

func (n *node) start(t *testing.T) {
	t.Helper()
	n.r.Start()
	t.Cleanup(n.r.Stop)
	select {
	case <-n.r.Synced():
	case <-time.After(10 * time.Second):
		t.Fatal("never synced")
	}
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestTwoNodesConverge(t *testing.T) {
	b, err := bus.Start(context.Background(), bus.Config{StoreDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Shutdown(context.Background()) })

	a := newNode(t, b)
	wasm := []byte("\x00asm\x01\x00\x00\x00")
	if _, _, err := a.reg.AddVersion("p", wasm, true); err != nil {
		t.Fatal(err)
	}
	if _, _, err := a.reg.PutRoute(model.Route{ID: "r", Path: "/r", Handler: &model.Binding{Plugin: "p"}}); err != nil {
		t.Fatal(err)
	}
	a.start(t) // publishes its local-only records at the first sync

	c := newNode(t, b)
	c.start(t)
	eventually(t, "route on the second node", func() bool {
		rec, _ := c.reg.Record(registry.RecordRoute, "r")
		return rec != nil
	})
	c.mu.Lock()
	if c.changed[registry.RecordRoute] == 0 || len(c.fetched) != 1 || c.fetched[0] != "p" {
		t.Errorf("changed %v fetched %v", c.changed, c.fetched)
	}
	c.mu.Unlock()
	if got, err := c.reg.Wasm(mustSHA(t, a.reg, "p")); err != nil || string(got) != string(wasm) {
		t.Fatalf("bytes on the second node: %q %v", got, err)
	}

	// A delete on the second node reaches the first.
	c.mu.Lock()
	if err := c.reg.DeleteRoute("r"); err != nil {
		t.Fatal(err)
	}
	if err := c.r.Publish(context.Background(), registry.RecordRoute, "r"); err != nil {
		t.Fatal(err)
	}
	c.mu.Unlock()
	eventually(t, "the delete on the first node", func() bool {
		rec, _ := a.reg.Record(registry.RecordRoute, "r")
		return rec == nil
	})
}

func mustSHA(t *testing.T, reg *registry.Registry, name string) string {
	t.Helper()
	p, err := reg.Plugin(name)
	if err != nil {
		t.Fatal(err)
	}
	return p.Versions[0].SHA256
}
