package hostile

import (
	"testing"

	"github.com/hostd/hostd/internal/hostile/wabt"
	"github.com/hostd/hostd/internal/hostile/wasmgen"
)

// TestAttackModulesAreValid proves that every generator makes a valid
// module (checked by wabt's validator at a small size: the big sizes only
// repeat the same entries), so that hostd's refusal of the big ones is
// about a limit, not about a malformed binary — and that the lying ones are
// really malformed.
func TestAttackModulesAreValid(t *testing.T) {
	valid := map[string][]byte{
		"CallTree(8, on_request)":    CallTree(8, InRequest, false),
		"CallTree(8, _initialize)":   CallTree(8, InInitialize, false),
		"CallTree(8, start, leaves)": CallTree(8, InStart, true),
		"Recursion(8)":               Recursion(8),
		"LocalsBomb(1000)":           LocalsBomb(1000),
		"LocalsTotal(4, 1000)":       LocalsTotal(4, 1000),
		"Nesting(200, block)":        Nesting(200, wasmgen.OpBlock),
		"Nesting(200, loop)":         Nesting(200, wasmgen.OpLoop),
		"BrTable(1000)":              BrTable(1000),
		"ManyTypes(100)":             ManyTypes(100),
		"ManyFunctions(100)":         ManyFunctions(100),
		"ManyGlobals(100)":           ManyGlobals(100),
		"ManyDataSegments(100)":      ManyDataSegments(100),
		"ManyElemSegments(100)":      ManyElemSegments(100),
		"HugeData(1000)":             HugeData(1000),
		"BigTable(plain, 100)":       BigTable(wasmgen.TablePlain, 100),
		"TableGrow(no max)":          TableGrow(0, 1<<31-1),
		"TableGrow(max 10)":          TableGrow(10, 1<<31-1),
		"HugeMemory(65536)":          HugeMemory(65536),
	}
	for name, wasm := range valid {
		if err := wabt.Validate(wasm); err != nil {
			t.Errorf("%s (%d bytes) is not valid: %v", name, len(wasm), err)
		}
	}
	malformed := map[string][]byte{
		"SectionSizeLie":     SectionSizeLie(),
		"CountLie(type)":     CountLie(wasmgen.SecType),
		"CountLie(function)": CountLie(wasmgen.SecFunction),
		"CountLie(global)":   CountLie(wasmgen.SecGlobal),
		// CountLie(SecDataCount) is malformed by the spec (the data count
		// must equal the number of data segments), but wabt 1.0.32 does
		// not check it.
	}
	for name, wasm := range malformed {
		if err := wabt.Validate(wasm); err == nil {
			t.Errorf("%s (%d bytes) is valid; it must lie", name, len(wasm))
		}
	}
	// The sizes: the call tree is a few hundred bytes, the locals
	// bomb about 130.
	if n := len(CallTree(40, InRequest, false)); n > 600 {
		t.Errorf("CallTree(40) is %d bytes; the attack is a module of about 450", n)
	}
	if n := len(LocalsBomb(1<<32 - 1)); n > 200 {
		t.Errorf("LocalsBomb is %d bytes; the attack is a module of about 134", n)
	}
}

// TestWATAttacksCompile compiles every WAT attack.
func TestWATAttacksCompile(t *testing.T) {
	for name, src := range map[string]string{
		"HeaderBombWAT": HeaderBombWAT(16, 16<<20),
		"KVFillWAT":     KVFillWAT(256<<10, 16),
		"MemGrowWAT":    MemGrowWAT,
		"MemFillWAT":    MemFillWAT,
		"HoldWAT":       HoldWAT(100),
	} {
		if _, err := wabt.CompileErr(src); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}
