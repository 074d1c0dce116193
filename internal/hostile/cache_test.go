package hostile

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hostd/hostd/internal/testwasm"
)

// TestCorruptedCache: with plugins bound to routes, stop hostd, damage
// every file of DATA_DIR/cache (one flipped byte in the middle, or cut to
// half its size), and start again. The routes must answer 200 (the cache
// healed itself), /readyz must be 200 and re-uploading the same plugin must
// succeed. The issue saw 503 with /readyz ready, and re-uploads failing
// with "checksum mismatch" until the file was deleted by hand.
func TestCorruptedCache(t *testing.T) {
	for _, c := range []struct {
		name   string
		damage func(b []byte) []byte
	}{
		{"flip", func(b []byte) []byte { b[len(b)/2] ^= 0xff; return b }},
		{"truncate", func(b []byte) []byte { return b[:len(b)/2] }},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := setup(t, nil)
			h.MustUpload("echo", testwasm.Echo)
			h.MustRoute("echo", "/echo", "echo", nil)
			for _, p := range []string{"/healthy", "/echo"} {
				if r := h.Data(p, 2*time.Second); !r.Is(200, "") {
					t.Fatalf("before the damage: GET %s: want 200, got %s", p, r)
				}
			}
			if ok, took := h.Term(); !ok {
				t.Fatalf("SIGTERM: hostd did not exit within %s", took)
			}
			n := damageFiles(t, filepath.Join(h.DataDir, "cache"), c.damage)
			t.Logf("damaged %d cache files (%s)", n, c.name)

			h2 := h.Restart(t)
			for _, p := range []string{"/healthy", "/echo"} {
				if r := h2.Data(p, 2*time.Second); !r.Is(200, "") {
					t.Errorf("after damaging the cache (%s): GET %s: want 200 (the cache heals itself), got %s", c.name, p, r)
				}
			}
			if r := h2.Readyz(2 * time.Second); !r.Is(200, "") {
				t.Errorf("after damaging the cache (%s): /readyz: want 200, got %s", c.name, r)
			}
			for name, wasm := range map[string][]byte{"hello": testwasm.Hello, "echo": testwasm.Echo} {
				if r := h2.Upload(name, wasm, 5*time.Second); !r.Is(200, "") && !r.Is(201, "") {
					t.Errorf("after damaging the cache (%s): re-upload of %s: want 200 (same bytes), got %s", c.name, name, r)
				}
			}
			checkAlive(t, h2, "after the cache damage")
		})
	}
}

// damageFiles rewrites every regular file under dir with damage and returns
// how many there were; no file at all fails the test (nothing to test).
func damageFiles(t *testing.T, dir string, damage func([]byte) []byte) int {
	t.Helper()
	n := 0
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil || len(b) < 2 {
			return err
		}
		n++
		return os.WriteFile(path, damage(b), 0o600)
	})
	if err != nil {
		t.Fatalf("damaging the cache: %v", err)
	}
	if n == 0 {
		t.Fatalf("no file under %s: the compilation cache is not where the test expects it", dir)
	}
	return n
}
