package testwasm

import (
	"io/fs"
	"strings"
	"testing"
)

func TestFixturesAreWasm(t *testing.T) {
	names, err := fs.Glob(files, "testdata/*.wasm")
	if err != nil || len(names) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	for _, n := range names {
		b := Get(strings.TrimSuffix(strings.TrimPrefix(n, "testdata/"), ".wasm"))
		if len(b) < 8 || string(b[:4]) != "\x00asm" {
			t.Errorf("%s is not a wasm binary", n)
		}
	}
}
