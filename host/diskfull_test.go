package host_test

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/hostd/hostd/host"
	"github.com/hostd/hostd/internal/testwasm"
)

// mountTmpfs mounts a tmpfs of size bytes on a new directory and unmounts
// it in t.Cleanup; it skips the test when mounting is not permitted (not
// root, or no CAP_SYS_ADMIN in a container).
func mountTmpfs(t *testing.T, size int) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "tmpfs")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("mount", "-t", "tmpfs", "-o", fmt.Sprintf("size=%d", size), "tmpfs", dir).CombinedOutput()
	if err != nil {
		t.Skipf("cannot mount a small tmpfs to fill (needs root and CAP_SYS_ADMIN): %v: %s", err, bytes.TrimSpace(out))
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", dir, err, out)
		}
	})
	return dir
}

// fill writes path until the file system is full and returns the bytes
// written.
func fill(t *testing.T, path string) int64 {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 64<<10)
	var n int64
	for _, size := range []int{64 << 10, 4 << 10, 512, 1} {
		for {
			w, err := f.Write(chunk[:size])
			n += int64(w)
			if errors.Is(err, syscall.ENOSPC) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	return n
}

// withCustomSection returns wasm with a custom section of n bytes appended
// (still a valid module; distinct n, distinct bytes).
func withCustomSection(wasm []byte, n int) []byte {
	payload := append([]byte{1, 'x'}, bytes.Repeat([]byte{0xab}, n)...)
	out := append(append([]byte(nil), wasm...), 0)
	for v := uint32(len(payload)); ; { // LEB128 size
		b := byte(v & 0x7f)
		v >>= 7
		if v == 0 {
			out = append(out, b)
			break
		}
		out = append(out, b|0x80)
	}
	return append(out, payload...)
}

// TestDiskFullAnswers507: with the data dir (registry, compile cache,
// JetStream) on a tmpfs filled to the last byte, admin writes that need
// space answer 507 insufficient_storage and change nothing, while the data
// plane and admin reads keep working; once space is freed the same writes
// succeed without a restart, and the registry file passes bbolt's check.
func TestDiskFullAnswers507(t *testing.T) {
	disk := mountTmpfs(t, 64<<20) // the built-in plugins take 21 MiB of registry
	th := startHost(t, func(c *host.Config) {
		c.DataDir = filepath.Join(disk, "data")
		c.CacheDir = filepath.Join(disk, "data", "cache")
	})
	th.upload("hello", testwasm.Hello)
	th.route("hello", `{"path":"/hello","handler":{"plugin":"hello"}}`)
	expectStatus(t, th.get("/hello"), http.StatusOK)

	filler := filepath.Join(disk, "filler")
	t.Logf("filled the disk with %d bytes", fill(t, filler))
	// New code: the compile cache cannot write its entry.
	r := th.adminDo("PUT", "/v1/plugins/echo", testwasm.Echo)
	expectStatus(t, r, http.StatusInsufficientStorage)
	if code := r.errorCode(t); code != "insufficient_storage" {
		t.Fatalf("compile on a full disk: code %s, want insufficient_storage", code)
	}
	// The registry file has free pages of earlier transactions: uploads
	// fit in them until they are used up.
	var big []byte
	stored := 0
	for i := 1; ; i++ {
		big = withCustomSection(testwasm.Hello, 4<<20+i)
		r = th.adminDo("PUT", "/v1/plugins/big", big)
		if r.status != http.StatusCreated || i == 20 {
			break
		}
		stored++
	}
	t.Logf("%d uploads of 4 MiB fitted in the registry's free pages", stored)
	expectStatus(t, r, http.StatusInsufficientStorage)
	if code := r.errorCode(t); code != "insufficient_storage" {
		t.Fatalf("upload on a full disk: code %s, want insufficient_storage", code)
	}
	if stored == 0 {
		expectStatus(t, th.adminDo("GET", "/v1/plugins/big", nil), http.StatusNotFound)
	} else {
		var p struct{ Versions []struct{ SHA256 string } }
		th.adminDo("GET", "/v1/plugins/big", nil).json(t, &p)
		if len(p.Versions) != stored {
			t.Fatalf("after the refused upload: %d versions stored, want %d", len(p.Versions), stored)
		}
	}
	for i := range 20 { // serving and reads go on
		expectStatus(t, th.get("/hello"), http.StatusOK)
		if i == 0 {
			expectStatus(t, th.adminDo("GET", "/v1/routes", nil), http.StatusOK)
		}
	}
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	th.upload("big", big)
	th.route("big", `{"path":"/big","handler":{"plugin":"big"}}`)
	expectStatus(t, th.get("/big"), http.StatusOK)
	th.upload("echo", testwasm.Echo)
	th.route("echo", `{"path":"/echo","handler":{"plugin":"echo"}}`)
	expectStatus(t, th.get("/echo"), http.StatusOK)
	expectStatus(t, th.get("/hello"), http.StatusOK)
	th.stop()
	if err := host.CheckStore(th.dir); err != nil {
		t.Fatalf("registry after the full disk: %v", err)
	}
}
