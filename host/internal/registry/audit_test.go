package registry

import (
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/hostd/hostd/host/internal/model"
)

// TestAuditRetentionByAge: with MaxAge, an append drops every entry older
// than MaxAge; the newest-first and oldest-first pages agree.
func TestAuditRetentionByAge(t *testing.T) {
	c := newClock()
	r, err := Open(filepath.Join(t.TempDir(), "registry.db"), Options{Now: c.Now, NoSync: true,
		Audit: AuditLimits{MaxEntries: 100, MaxAge: time.Hour}})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for i := range 6 {
		if _, err := r.AppendAudit(model.AuditEntry{Path: fmt.Sprint(i)}); err != nil {
			t.Fatal(err)
		}
		c.Add(20 * time.Minute)
	}
	// Entries at 0, 20, …, 100 min; the last append at 100 min keeps
	// those at most an hour old: 40, 60, 80, 100 (seq 3..6).
	got, err := r.Audit(model.AuditQuery{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if seqs := seqsOf(got); seqs != "[6 5 4 3]" {
		t.Fatalf("kept %s, want [6 5 4 3]", seqs)
	}
	up, err := r.Audit(model.AuditQuery{Ascending: true, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if seqs := seqsOf(up); seqs != "[3 4 5 6]" {
		t.Fatalf("oldest first %s", seqs)
	}
	before, _ := r.Audit(model.AuditQuery{Before: 2, Limit: 10}) // pruned cursor: nothing older
	if len(before) != 0 {
		t.Fatalf("before a pruned seq: %s", seqsOf(before))
	}
	before, _ = r.Audit(model.AuditQuery{Before: 99, Limit: 2}) // past the end: the newest
	if seqs := seqsOf(before); seqs != "[6 5]" {
		t.Fatalf("before 99: %s", seqs)
	}
}

func seqsOf(es []model.AuditEntry) string {
	s := make([]uint64, len(es))
	for i, e := range es {
		s[i] = e.Seq
	}
	return fmt.Sprint(s)
}

// TestConcurrentControlWrites: plugin versions, routes and audit entries
// written from several goroutines while others read State; run under
// -race by scripts/test.sh. Every write is there once at the end and the
// file passes bbolt's check.
func TestConcurrentControlWrites(t *testing.T) {
	path := filepath.Join(t.TempDir(), "registry.db")
	r, err := Open(path, Options{NoSync: true, Audit: AuditLimits{MaxEntries: 1000}})
	if err != nil {
		t.Fatal(err)
	}
	const writers, each = 4, 25
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := r.State(); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	var writing sync.WaitGroup
	for w := range writers {
		writing.Add(1)
		go func() {
			defer writing.Done()
			for i := range each {
				name := fmt.Sprintf("p%d", w)
				if _, _, err := r.AddVersion(name, []byte(fmt.Sprintf("\x00asm\x01\x00\x00\x00%d", i)), true); err != nil {
					t.Error(err)
				}
				rt := model.Route{ID: fmt.Sprintf("r%d-%d", w, i), Path: "/x", Handler: &model.Binding{Plugin: name}}
				if _, _, err := r.PutRoute(rt); err != nil {
					t.Error(err)
				}
				if _, err := r.AppendAudit(model.AuditEntry{Path: rt.ID}); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	writing.Wait()
	close(stop)
	wg.Wait()
	st, err := r.State()
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Routes) != writers*each || len(st.Plugins) != writers {
		t.Fatalf("%d routes, %d plugins; want %d, %d", len(st.Routes), len(st.Plugins), writers*each, writers)
	}
	for _, p := range st.Plugins {
		if len(p.Versions) != each {
			t.Fatalf("plugin %s has %d versions, want %d", p.Name, len(p.Versions), each)
		}
	}
	audit, err := r.Audit(model.AuditQuery{Ascending: true, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for i, e := range audit {
		if e.Seq != uint64(i+1) {
			t.Fatalf("audit seq %d at %d: not 1..N without gaps", e.Seq, i)
		}
	}
	if len(audit) != writers*each {
		t.Fatalf("%d audit entries, want %d", len(audit), writers*each)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if err := Check(path); err != nil {
		t.Fatal(err)
	}
}
