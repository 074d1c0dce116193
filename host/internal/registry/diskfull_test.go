package registry

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/hostd/hostd/host/internal/model"
)

// TestFailedCommitLeavesTheStoreUsable: on a tmpfs filled to the last
// byte, bbolt commits fail with ENOSPC (errors.Is), roll back, and store
// nothing; reads keep working; once space is freed the same writes
// commit on the still-open DB, and the file passes bbolt's check. The
// free-space probe is stubbed so the KV disk reserve does not refuse first:
// this is about bbolt's own failed commit. Skips where mount is not
// permitted.
func TestFailedCommitLeavesTheStoreUsable(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "tmpfs")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a small tmpfs to fill (needs root and CAP_SYS_ADMIN): %v: %s", err, bytes.TrimSpace(out))
	}
	t.Cleanup(func() { _ = exec.Command("umount", dir).Run() })
	path := filepath.Join(dir, "registry.db")
	r, err := Open(path, Options{FreeSpace: func() (uint64, error) { return 1 << 40, nil }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Close() }) // before the umount
	if _, _, err := r.AddVersion("p", []byte("\x00asm\x01\x00\x00\x00"), true); err != nil {
		t.Fatal(err)
	}
	rt := model.Route{ID: "before", Path: "/x", Handler: &model.Binding{Plugin: "p"}}
	if _, _, err := r.PutRoute(rt); err != nil {
		t.Fatal(err)
	}
	filler := filepath.Join(dir, "filler")
	f, err := os.Create(filler)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{64 << 10, 512, 1} {
		for {
			if _, err := f.Write(make([]byte, n)); err != nil {
				break
			}
		}
	}
	f.Close()
	// Writes of growing size until one needs a page the disk cannot give.
	var failed error
	var i int
	for i = 0; i < 64 && failed == nil; i++ {
		_, failed = r.KVPut("ns", []byte(fmt.Sprint("k", i)), bytes.Repeat([]byte{'v'}, 64<<10), 0, nil)
	}
	if !errors.Is(failed, syscall.ENOSPC) {
		t.Fatalf("KV writes on a full disk: %v, want an error wrapping ENOSPC", failed)
	}
	if _, _, found, err := r.KVGet("ns", []byte(fmt.Sprint("k", i-1))); err != nil || found {
		t.Fatalf("the failed write: found %v, err %v; want absent", found, err)
	}
	if _, _, err := r.PutRoute(model.Route{ID: "big", Path: "/big", Handler: &model.Binding{Plugin: "p",
		Config: []byte(`{"x":"` + string(bytes.Repeat([]byte{'c'}, 256<<10)) + `"}`)}}); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("route write on a full disk: %v, want ENOSPC", err)
	}
	if _, err := r.Route("before"); err != nil {
		t.Fatalf("read on a full disk: %v", err)
	}
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	if _, err := r.KVPut("ns", []byte("after"), bytes.Repeat([]byte{'v'}, 64<<10), 0, nil); err != nil {
		t.Fatalf("KV write after freeing space: %v", err)
	}
	if _, _, err := r.PutRoute(model.Route{ID: "after", Path: "/y", Handler: &model.Binding{Plugin: "p"}}); err != nil {
		t.Fatalf("route write after freeing space: %v", err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if err := Check(path); err != nil {
		t.Fatalf("after the failed commits: %v", err)
	}
}
