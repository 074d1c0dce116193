package registry

import (
	"errors"
	"strconv"
	"sync/atomic"
	"testing"
	"time"
)

// freeDisk is a settable free-space probe that counts its calls.
type freeDisk struct {
	free  atomic.Uint64
	err   atomic.Bool
	calls atomic.Int64
}

func (d *freeDisk) probe() (uint64, error) {
	d.calls.Add(1)
	if d.err.Load() {
		return 0, errors.New("statfs: not supported")
	}
	return d.free.Load(), nil
}

func TestKVDiskReserve(t *testing.T) {
	d := &freeDisk{}
	d.free.Store(10_000)
	r, c := openKV(t, KVLimits{DiskReserve: 1000}, d.probe)
	for i := range 100 {
		if err := put(t, r, "ns", "k"+strconv.Itoa(i), "v"); err != nil {
			t.Fatal(err)
		}
	}
	if n := d.calls.Load(); n != 1 {
		t.Fatalf("100 writes in one second probed %d times, want 1", n)
	}

	d.free.Store(999)
	if err := put(t, r, "ns", "more", "v"); err != nil {
		t.Fatalf("within the second the cached reading holds: %v", err)
	}
	c.Add(time.Second)
	err := put(t, r, "ns", "more2", "v")
	if !errors.Is(err, ErrNoSpace) {
		t.Fatalf("below the reserve: %v, want ErrNoSpace", err)
	}
	if err := put(t, r, "ns", "k1", "v"); !errors.Is(err, ErrNoSpace) {
		t.Fatalf("an overwrite below the reserve: %v, want ErrNoSpace", err)
	}
	if found, err := r.KVDelete("ns", []byte("k1")); err != nil || !found {
		t.Fatalf("deletes work below the reserve: %v, %v", found, err)
	}
	if _, _, err := r.AddVersion("p", []byte("module"), true); err != nil {
		t.Fatalf("registry writes work below the reserve: %v", err)
	}
	checkUsage(t, r)

	// Between two probes, what KV wrote counts against the cached reading,
	// so a write loop stops within the second.
	c.Add(time.Second)
	d.free.Store(1000 + 100)
	if err := put(t, r, "ns", "big", string(make([]byte, 200))); err != nil {
		t.Fatal(err)
	}
	if err := put(t, r, "ns", "next", "v"); !errors.Is(err, ErrNoSpace) {
		t.Fatalf("after using the room: %v, want ErrNoSpace", err)
	}

	// A probe that fails does not refuse writes.
	c.Add(time.Second)
	d.err.Store(true)
	if err := put(t, r, "ns", "next", "v"); err != nil {
		t.Fatalf("with a failing probe: %v", err)
	}
}

func TestKVFreeSpaceStatfs(t *testing.T) {
	free, err := freeSpace(t.TempDir())
	if errors.Is(err, errors.ErrUnsupported) {
		t.Skip("no statfs here")
	}
	if err != nil || free == 0 {
		t.Fatalf("freeSpace = %d, %v", free, err)
	}
	// A reserve larger than any disk refuses every write.
	r, _ := openKV(t, KVLimits{DiskReserve: 1 << 62}, nil)
	if err := put(t, r, "ns", "k", "v"); !errors.Is(err, ErrNoSpace) {
		t.Fatalf("with a 4 EiB reserve: %v", err)
	}
}
