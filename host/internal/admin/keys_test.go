package admin_test

import (
	"bytes"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/hostd/hostd/host/internal/admin"
)

func TestLoadOrCreateKey(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	key, err := admin.LoadOrCreateKey(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(key) != 32 {
		t.Fatalf("key has %d bytes", len(key))
	}
	fi, err := os.Stat(filepath.Join(dir, admin.KeyFile))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode = %v, want 0600", fi.Mode().Perm())
	}
	di, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if di.Mode().Perm() != 0o700 {
		t.Fatalf("data dir mode = %v, want 0700", di.Mode().Perm())
	}
	again, err := admin.LoadOrCreateKey(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(key, again) {
		t.Fatal("second call returned a different key")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("data dir holds %d entries, want only the key file", len(entries))
	}
	other, err := admin.LoadOrCreateKey(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(key, other) {
		t.Fatal("two data dirs got the same key")
	}
}

func TestLoadOrCreateKeyConcurrent(t *testing.T) {
	dir := t.TempDir()
	keys := make([][]byte, 8)
	var wg sync.WaitGroup
	for i := range keys {
		wg.Add(1)
		go func() {
			defer wg.Done()
			k, err := admin.LoadOrCreateKey(dir)
			if err != nil {
				t.Error(err)
			}
			keys[i] = k
		}()
	}
	wg.Wait()
	for _, k := range keys[1:] {
		if !bytes.Equal(k, keys[0]) {
			t.Fatal("concurrent callers got different keys")
		}
	}
}

func TestLoadOrCreateKeyRejectsBadFile(t *testing.T) {
	for name, content := range map[string]string{
		"not hex": "zz" + string(bytes.Repeat([]byte("00"), 31)),
		"short":   "00112233",
		"empty":   "",
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, admin.KeyFile), []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			if _, err := admin.LoadOrCreateKey(dir); err == nil {
				t.Fatal("no error")
			}
		})
	}
}

func TestLoadOrCreateKeyReadsExisting(t *testing.T) {
	dir := t.TempDir()
	want := bytes.Repeat([]byte{0xab}, 48)
	hexKey := []byte("  " + string(bytes.Repeat([]byte("ab"), 48)) + "\n")
	if err := os.WriteFile(filepath.Join(dir, admin.KeyFile), hexKey, 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := admin.LoadOrCreateKey(dir)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("got %x, %v", got, err)
	}
}
