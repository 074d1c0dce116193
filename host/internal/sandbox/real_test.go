package sandbox

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/hostd/hostd/internal/guestbuild"
	"github.com/tetratelabs/wazero"
)

// realGuests returns every plugin binary the repository builds: the WAT
// fixtures, the built-in plugins and a Go-built example.
func realGuests(t *testing.T) map[string][]byte {
	t.Helper()
	root := guestbuild.RepoRoot(t)
	out := map[string][]byte{}
	for _, pattern := range []string{"internal/testwasm/testdata/*.wasm", "plugins/dist/*.wasm"} {
		files, _ := filepath.Glob(filepath.Join(root, pattern))
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			out[filepath.Base(f)] = b
		}
	}
	if !testing.Short() {
		out["examples/hello (go)"] = guestbuild.Build(t, "examples/hello")
	}
	return out
}

// TestRealGuestsParseAndCompile parses every real guest with the default
// limits, instruments it and has wazero compile the result: the
// instrumentation must keep every module valid. Fixtures that are meant
// to be refused at load are skipped.
func TestRealGuestsParseAndCompile(t *testing.T) {
	ctx := context.Background()
	rt := wazero.NewRuntime(ctx)
	defer rt.Close(ctx)
	for name, b := range realGuests(t) {
		t.Run(name, func(t *testing.T) {
			m, err := Parse(b, Limits{MemoryPages: 512})
			if err != nil {
				if name == "membomb_static.wasm" || name == "tablegrow_nomax.wasm" {
					return
				}
				t.Fatalf("parse: %v", err)
			}
			out, err := Instrument(m, Options{StackBudget: 1 << 20})
			if err != nil {
				t.Fatalf("instrument: %v", err)
			}
			cm, err := rt.CompileModule(ctx, out)
			if err != nil {
				t.Fatalf("wazero refuses the instrumented module: %v", err)
			}
			cm.Close(ctx)
			var maxLocals uint64
			var maxNest uint32
			var maxBranchLocals uint64
			var maxBytes int
			for i, body := range m.Bodies {
				ft := m.FuncType(uint32(len(m.Imports) + i))
				l := body.NumLocals + uint64(len(ft.Params))
				maxLocals = max(maxLocals, l)
				maxNest = max(maxNest, body.stats.maxNesting)
				maxBranchLocals = max(maxBranchLocals, l*body.stats.branches)
				maxBytes = max(maxBytes, len(body.Code))
			}
			t.Logf("%d bytes → %d: %d types, %d imports, %d functions, %d globals, %d data segments, max locals %d, max nesting %d, max branches×locals %d, max body %d bytes",
				len(b), len(out), len(m.Types), len(m.Imports), len(m.Funcs), len(m.Globals), len(m.Data),
				maxLocals, maxNest, maxBranchLocals, maxBytes)
		})
	}
}
