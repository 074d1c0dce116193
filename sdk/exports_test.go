package sdk

import (
	"go/ast"
	"go/parser"
	"go/token"
	"strings"
	"testing"

	"github.com/hostd/hostd/abi"
)

// TestWasmExportsMatchABI checks that exports_wasm.go exports the marker and
// the callbacks with the types abi.GuestExports requires.
func TestWasmExportsMatchABI(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "exports_wasm.go", nil, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, d := range f.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || fd.Doc == nil {
			continue
		}
		for _, c := range fd.Doc.List {
			if name, ok := strings.CutPrefix(c.Text, "//go:wasmexport "); ok {
				got[name] = exportType(fd.Type)
			}
		}
	}
	for _, want := range abi.GuestExports {
		if want.Name == abi.ExportOnMessage {
			continue // reserved; the SDK does not offer messaging yet
		}
		wantType := "()"
		if len(want.Results) == 1 && want.Results[0] == abi.I32 {
			wantType = "() uint32"
		}
		if got[want.Name] != wantType {
			t.Errorf("export %s: got %q, want %q", want.Name, got[want.Name], wantType)
		}
	}
}

func exportType(ft *ast.FuncType) string {
	if ft.Params.NumFields() != 0 {
		return "(params)"
	}
	if ft.Results.NumFields() == 0 {
		return "()"
	}
	if id, ok := ft.Results.List[0].Type.(*ast.Ident); ok && ft.Results.NumFields() == 1 {
		return "() " + id.Name
	}
	return "(bad results)"
}
