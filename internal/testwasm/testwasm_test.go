package testwasm

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// wasmHeader is the binary format's magic number and version 1.
var wasmHeader = []byte("\x00asm\x01\x00\x00\x00")

// fixtureNames lists testdata/*.EXT on disk, without the extension.
func fixtureNames(t *testing.T, ext string) []string {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("testdata", "*."+ext))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range paths {
		names = append(names, strings.TrimSuffix(filepath.Base(p), "."+ext))
	}
	sort.Strings(names)
	return names
}

func TestFixturesAreWasm(t *testing.T) {
	names, err := fs.Glob(files, "testdata/*.wasm")
	if err != nil || len(names) == 0 {
		t.Fatalf("no embedded fixtures: %v", err)
	}
	for _, n := range names {
		b := Get(strings.TrimSuffix(strings.TrimPrefix(n, "testdata/"), ".wasm"))
		if len(b) <= len(wasmHeader) || !bytes.HasPrefix(b, wasmHeader) {
			t.Errorf("%s does not start with the wasm v1 header", n)
		}
	}
}

// TestEveryWATHasWASM checks that sources and binaries pair up; check.sh
// verifies that the binaries are what wat2wasm makes of the sources.
func TestEveryWATHasWASM(t *testing.T) {
	wat, wasm := fixtureNames(t, "wat"), fixtureNames(t, "wasm")
	if strings.Join(wat, " ") != strings.Join(wasm, " ") {
		t.Errorf("testdata .wat %v and .wasm %v differ; run gen.sh", wat, wasm)
	}
	for _, n := range wasm {
		disk, err := os.ReadFile(filepath.Join("testdata", n+".wasm"))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(disk, Get(n)) {
			t.Errorf("embedded %s.wasm differs from the file", n)
		}
	}
}

func TestNamedFixtures(t *testing.T) {
	for name, b := range map[string][]byte{
		"hello": Hello, "echo": Echo, "addheader": AddHeader, "deny": Deny,
		"trap": Trap, "loop": Loop, "membomb": MemBomb, "membomb_static": MemBombStatic,
		"nomarker": NoMarker, "badimport": BadImport, "badsig": BadSig,
		"configure_reject": ConfigureReject, "config_echo": ConfigEcho, "kv": KV,
		"on_response_trap": OnResponseTrap, "slow_configure": SlowConfigure,
		"hostcall": HostCall, "slow": Slow,
	} {
		if !bytes.Equal(b, Get(name)) {
			t.Errorf("the variable for %s does not hold testdata/%s.wasm", name, name)
		}
	}
}

func TestGetUnknownPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("Get of an unknown fixture did not panic")
		}
	}()
	Get("no_such_fixture")
}
