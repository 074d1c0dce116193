package sandbox

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/hostd/hostd/internal/guestbuild"
	"github.com/tetratelabs/wazero"
)

// addSeeds adds every small real guest and a few hand-made shapes.
func addSeeds(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join(guestbuild.RepoRoot(f), "internal/testwasm/testdata/*.wasm"))
	for _, file := range files {
		if b, err := os.ReadFile(file); err == nil {
			f.Add(b)
		}
	}
	f.Add(callTree(5))
	f.Add(recursion(3))
	f.Add(manyCallSites(3))
	f.Add(diamonds(2, 2))
	f.Add([]byte("\x00asm\x01\x00\x00\x00\x05\x03\x01\x00\xff"))
}

// FuzzParse: Parse never panics, and every module it accepts can be
// instrumented, and the result parses again.
//
//	go test ./host/internal/sandbox -run '^$' -fuzz FuzzParse -fuzztime 60s
func FuzzParse(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Parse(b, Limits{})
		if err != nil {
			return
		}
		out, err := Instrument(m, Options{StackBudget: 1 << 16})
		if err != nil {
			return // reserved names
		}
		if _, err := Parse(out, Limits{Imports: 1002, Globals: 1002, Types: 10003}); err != nil {
			t.Fatalf("the instrumented module does not parse: %v", err)
		}
	})
}

// FuzzInstrumentKeepsValidity: whenever wazero accepts a module that Parse
// accepts, it accepts the instrumented module too. (The interpreter
// validates exactly as the compiler does, at a fraction of the cost.)
//
//	go test ./host/internal/sandbox -run '^$' -fuzz FuzzInstrumentKeepsValidity -fuzztime 60s
func FuzzInstrumentKeepsValidity(f *testing.F) {
	addSeeds(f)
	ctx := context.Background()
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigInterpreter())
	f.Cleanup(func() { rt.Close(ctx) })
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Parse(b, Limits{})
		if err != nil {
			return
		}
		cm, err := rt.CompileModule(ctx, b)
		if err != nil {
			return
		}
		cm.Close(ctx)
		out, err := Instrument(m, Options{StackBudget: 1 << 16})
		if err != nil {
			return
		}
		cm, err = rt.CompileModule(ctx, out)
		if err != nil {
			t.Fatalf("wazero accepts the module but not its instrumented form: %v", err)
		}
		cm.Close(ctx)
	})
}
