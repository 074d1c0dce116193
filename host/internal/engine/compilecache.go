package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/tetratelabs/wazero"
)

// codeCache is the on-disk compilation cache: wazero's file cache, which
// hostd fills one module at a time (buildCode), plus a manifest per module
// with the size and sha256 of its cache file. wazero checks only a CRC of
// the machine code, not of the function table beside it, and fails, where
// a check fails, on every later compile; so every entry is verified against
// its manifest before wazero reads it, and a corrupted, truncated or
// missing entry is removed and built again.
type codeCache struct {
	dir       string // the cache directory (wazero's version directories live in it)
	manifests string // dir/hostd-manifests
	// version is the name of the directory this process's wazero reads
	// (wazero-VERSION-ARCH-OS, VERSION from the binary's build information).
	// A compile worker whose wazero writes another one (a different build)
	// would leave code this process never reads, so install refuses it.
	version string
}

// manifest describes one module's cache file.
type manifest struct {
	File   string `json:"file"` // relative to the cache directory
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

func openCodeCache(ctx context.Context, rc wazero.RuntimeConfig, dir string) (*codeCache, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("engine: cache dir: %w", err)
	}
	c := &codeCache{dir: abs, manifests: filepath.Join(abs, "hostd-manifests")}
	if err := os.MkdirAll(c.manifests, 0o700); err != nil {
		return nil, fmt.Errorf("engine: cache dir: %w", err)
	}
	if c.version, err = cacheVersionDir(ctx, rc, abs); err != nil {
		return nil, err
	}
	return c, nil
}

// oneFunction is (module (func)): the smallest module wazero compiles into
// its file cache.
var oneFunction = []byte("\x00asm\x01\x00\x00\x00\x01\x04\x01\x60\x00\x00\x03\x02\x01\x00\x0a\x04\x01\x02\x00\x0b")

// cacheVersionDir finds the version directory this process's wazero uses
// by compiling oneFunction into a scratch cache under dir.
func cacheVersionDir(ctx context.Context, rc wazero.RuntimeConfig, dir string) (string, error) {
	tmp, err := os.MkdirTemp(dir, "probe-")
	if err != nil {
		return "", fmt.Errorf("engine: cache dir: %w", err)
	}
	defer os.RemoveAll(tmp)
	if err := compileInto(ctx, rc, tmp, oneFunction); err != nil {
		return "", err
	}
	entries, err := os.ReadDir(tmp)
	if err == nil && len(entries) == 0 {
		return "", nil // the interpreter: no compiled code to cache
	}
	if err != nil || len(entries) != 1 || !entries[0].IsDir() {
		return "", fmt.Errorf("engine: cache dir: cannot tell which directory wazero uses (%d entries, %v)", len(entries), err)
	}
	return entries[0].Name(), nil
}

func (c *codeCache) manifestPath(key string) string { return filepath.Join(c.manifests, key+".json") }

// verify reports whether the entry for key is complete and intact. A
// damaged entry is removed.
func (c *codeCache) verify(key string) bool {
	b, err := os.ReadFile(c.manifestPath(key))
	if err != nil {
		return false
	}
	var m manifest
	if json.Unmarshal(b, &m) != nil || !filepath.IsLocal(m.File) {
		c.remove(key)
		return false
	}
	sum, size, err := hashFile(filepath.Join(c.dir, m.File))
	if err != nil || size != m.Size || sum != m.SHA256 {
		c.remove(key)
		return false
	}
	return true
}

// remove deletes the entry for key: its cache file and its manifest.
func (c *codeCache) remove(key string) {
	if b, err := os.ReadFile(c.manifestPath(key)); err == nil {
		var m manifest
		if json.Unmarshal(b, &m) == nil && filepath.IsLocal(m.File) {
			_ = os.Remove(filepath.Join(c.dir, m.File))
		}
	}
	_ = os.Remove(c.manifestPath(key))
}

// install moves the one cache file a build wrote under tmp into the cache
// and records its manifest.
func (c *codeCache) install(key, tmp string) error {
	var found []string
	err := filepath.WalkDir(tmp, func(path string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() && !strings.HasSuffix(path, ".tmp") {
			found = append(found, path)
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("engine: read build dir: %w", err)
	}
	if len(found) != 1 {
		return fmt.Errorf("engine: the compile wrote %d cache files, want 1", len(found))
	}
	rel, err := filepath.Rel(tmp, found[0])
	if err != nil {
		return err
	}
	if v, _, _ := strings.Cut(filepath.ToSlash(rel), "/"); c.version != "" && v != c.version {
		return fmt.Errorf("engine: the compile worker's wazero writes %s, this process reads %s: "+
			"the worker must be a build of the same binary (compile_worker)", v, c.version)
	}
	sum, size, err := hashFile(found[0])
	if err != nil {
		return fmt.Errorf("engine: read compiled code: %w", err)
	}
	dst := filepath.Join(c.dir, rel)
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		return fmt.Errorf("engine: cache dir: %w", err)
	}
	if err := os.Rename(found[0], dst); err != nil {
		return fmt.Errorf("engine: install compiled code: %w", err)
	}
	b, _ := json.Marshal(manifest{File: rel, Size: size, SHA256: sum})
	return writeFileAtomic(c.manifestPath(key), b)
}

func hashFile(path string) (string, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", 0, err
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

func writeFileAtomic(path string, b []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("engine: write %s: %w", path, err)
	}
	_, err = tmp.Write(b)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("engine: write %s: %w", path, err)
	}
	return nil
}
