package imports

import (
	"go/ast"
	"go/parser"
	"go/token"
	"strings"
	"testing"

	"github.com/hostd/hostd/abi"
)

// TestWasmImportsMatchABI parses raw_wasm.go and checks that it declares
// every abi.HostFunctions entry, in order, from the right module and with
// the exact Wasm types.
func TestWasmImportsMatchABI(t *testing.T) {
	decls := parseImports(t, "raw_wasm.go")
	if len(decls) != len(abi.HostFunctions) {
		t.Fatalf("raw_wasm.go declares %d imports, abi has %d", len(decls), len(abi.HostFunctions))
	}
	for i, want := range abi.HostFunctions {
		got := decls[i]
		if got.Name != want.Name {
			t.Errorf("import %d is %s, want %s", i, got.Name, want.Name)
			continue
		}
		if sigString(got) != sigString(want) {
			t.Errorf("%s: declared %s, abi says %s", want.Name, sigString(got), sigString(want))
		}
	}
}

// parseImports returns the //go:wasmimport declarations of file in order.
func parseImports(t *testing.T, file string) []abi.Signature {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), file, nil, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	var out []abi.Signature
	for _, d := range f.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || fd.Doc == nil {
			continue
		}
		for _, c := range fd.Doc.List {
			fields := strings.Fields(c.Text)
			if len(fields) != 3 || fields[0] != "//go:wasmimport" {
				continue
			}
			if fields[1] != abi.ModuleName {
				t.Errorf("%s imports from %q, want %q", fd.Name.Name, fields[1], abi.ModuleName)
			}
			out = append(out, abi.Signature{
				Name:    fields[2],
				Params:  wasmTypes(t, fd.Type.Params),
				Results: wasmTypes(t, fd.Type.Results),
			})
		}
	}
	return out
}

func wasmTypes(t *testing.T, fl *ast.FieldList) []abi.ValueType {
	if fl == nil {
		return nil
	}
	var out []abi.ValueType
	for _, f := range fl.List {
		vt := wasmType(t, f.Type)
		for range max(1, len(f.Names)) {
			out = append(out, vt)
		}
	}
	return out
}

func wasmType(t *testing.T, e ast.Expr) abi.ValueType {
	switch ty := e.(type) {
	case *ast.Ident:
		switch ty.Name {
		case "uint32", "int32":
			return abi.I32
		case "uint64", "int64":
			return abi.I64
		}
	case *ast.SelectorExpr:
		if x, ok := ty.X.(*ast.Ident); ok && x.Name == "unsafe" && ty.Sel.Name == "Pointer" {
			return abi.I32
		}
	}
	t.Errorf("type %T %v has no fixed Wasm type", e, e)
	return 0
}

func sigString(s abi.Signature) string {
	return "(" + join(s.Params) + ") -> (" + join(s.Results) + ")"
}

func join(ts []abi.ValueType) string {
	var parts []string
	for _, t := range ts {
		parts = append(parts, t.String())
	}
	return strings.Join(parts, ", ")
}
