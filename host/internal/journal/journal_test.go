package journal

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestCleanCloseLeavesNoSuspects(t *testing.T) {
	path := filepath.Join(t.TempDir(), "inflight")
	j, sus, err := Open(path, 4, 0)
	if err != nil || len(sus) != 0 {
		t.Fatalf("open: %v %v", sus, err)
	}
	s := j.Acquire("spin", 2)
	s.Begin(time.Now().Add(-time.Second))
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	j, sus, err = Open(path, 4, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if len(sus) != 0 {
		t.Fatalf("suspects after a clean close: %v", sus)
	}
}

// TestUncleanStopNamesLongCalls leaves the journal as a killed process
// would (no Close) and reads it back.
func TestUncleanStopNamesLongCalls(t *testing.T) {
	path := filepath.Join(t.TempDir(), "inflight")
	j, _, err := Open(path, 8, 0)
	if err != nil {
		t.Fatal(err)
	}
	long := j.Acquire("spin", 2)
	long.Begin(time.Now().Add(-2 * time.Second))
	short := j.Acquire("hello", 1)
	short.Begin(time.Now())
	idle := j.Acquire("idle", 1)
	idle.Begin(time.Now().Add(-time.Hour))
	idle.End()
	released := j.Acquire("gone", 3)
	released.Begin(time.Now().Add(-time.Hour))
	released.Release()
	j.beat()
	// Simulate the process dying: stop the heartbeat without Close.
	close(j.stop)
	j.done.Wait()
	_ = unmapFile(j.mem)
	j.f.Close()

	j2, sus, err := Open(path, 8, 100*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	defer j2.Close()
	if len(sus) != 1 || sus[0].Plugin != "spin" || sus[0].Version != 2 || sus[0].Running < 2*time.Second {
		t.Fatalf("suspects %+v, want spin@2 running ≥ 2s", sus)
	}
}

func TestFullJournalRecordsNothing(t *testing.T) {
	j, _, err := Open(filepath.Join(t.TempDir(), "inflight"), 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	a := j.Acquire("a", 1)
	if b := j.Acquire("b", 1); b != nil {
		t.Fatal("a second slot in a journal of one")
	}
	var none *Slot
	none.Begin(time.Now()) // a nil slot is a no-op
	none.End()
	none.Release()
	a.Release()
	if c := j.Acquire("c", 1); c == nil {
		t.Fatal("a released slot was not reused")
	}
}

func TestGarbageJournalIsIgnored(t *testing.T) {
	path := filepath.Join(t.TempDir(), "inflight")
	if err := os.WriteFile(path, []byte("not a journal"), 0o600); err != nil {
		t.Fatal(err)
	}
	j, sus, err := Open(path, 2, 0)
	if err != nil || len(sus) != 0 {
		t.Fatalf("open over garbage: %v %v", sus, err)
	}
	j.Close()
}
