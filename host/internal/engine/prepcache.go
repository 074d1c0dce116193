package engine

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"

	"github.com/hostd/hostd/host/internal/sandbox"
)

// The prepared-module cache keeps, beside the compiled code, what the
// parent process derives from an uploaded module before compiling it:
// the instrumented bytes (sandbox.Parse with the load limits, the import
// check, sandbox.Instrument) and the initial memory. A module is stored
// there only once it compiled and validated, so a hit stands for the same
// checks passed on the same input: the key covers the module's sha256,
// the limits and the instrumentation options, and the running executable
// (a different build of hostd may instrument differently). On a warm
// restart this skips most of the parent's CPU per module (≈80 ms of
// ≈160 ms for a Go-built plugin: BenchmarkCompile, BenchmarkRestartToReady).
// Entries are checked against their sha256 before use; a damaged one is
// removed and the module prepared again.

// prepared is a module ready to compile.
type prepared struct {
	wasm     []byte // instrumented
	minPages uint32
}

// prepManifest describes one prepared module.
type prepManifest struct {
	SHA256   string `json:"sha256"` // of the instrumented bytes
	Size     int    `json:"size"`
	MinPages uint32 `json:"min_pages"`
}

// executableID is the sha256 of the running executable, or "" when it
// cannot be read (the prepared-module cache is then off); computed once
// per process.
var executableID = sync.OnceValue(hashExecutable)

func hashExecutable() string {
	p, err := os.Executable()
	if err != nil {
		return ""
	}
	f, err := os.Open(p)
	if err != nil {
		return ""
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return ""
	}
	return hex.EncodeToString(h.Sum(nil))
}

// prepKey is the prepared-module cache key of a module with sha256 sha.
func (e *Engine) prepKey(sha string, o sandbox.Options) string {
	sum := sha256.Sum256(fmt.Appendf(nil, "%s\n%s\n%+v\n%+v", e.exeID, sha, e.cfg.Limits, o))
	return hex.EncodeToString(sum[:])
}

func (c *codeCache) prepPath(key, ext string) string {
	return filepath.Join(c.dir, "hostd-prepared", key+ext)
}

// loadPrepared returns the prepared module stored under key, if it is
// there and intact; a damaged entry is removed.
func (c *codeCache) loadPrepared(key string) (prepared, bool) {
	b, err := os.ReadFile(c.prepPath(key, ".json"))
	if err != nil {
		return prepared{}, false
	}
	var m prepManifest
	wasm, err := os.ReadFile(c.prepPath(key, ".wasm"))
	if err != nil || json.Unmarshal(b, &m) != nil || len(wasm) != m.Size {
		c.removePrepared(key)
		return prepared{}, false
	}
	if sum := sha256.Sum256(wasm); hex.EncodeToString(sum[:]) != m.SHA256 {
		c.removePrepared(key)
		return prepared{}, false
	}
	return prepared{wasm: wasm, minPages: m.MinPages}, true
}

// storePrepared records p under key; failing to is not an error (the
// module is prepared again next time).
func (c *codeCache) storePrepared(key string, p prepared) {
	if err := os.MkdirAll(filepath.Dir(c.prepPath(key, "")), 0o700); err != nil {
		return
	}
	sum := sha256.Sum256(p.wasm)
	b, _ := json.Marshal(prepManifest{SHA256: hex.EncodeToString(sum[:]), Size: len(p.wasm), MinPages: p.minPages})
	if writeFileAtomic(c.prepPath(key, ".wasm"), p.wasm) == nil {
		_ = writeFileAtomic(c.prepPath(key, ".json"), b)
	}
}

func (c *codeCache) removePrepared(key string) {
	_ = os.Remove(c.prepPath(key, ".json"))
	_ = os.Remove(c.prepPath(key, ".wasm"))
}
