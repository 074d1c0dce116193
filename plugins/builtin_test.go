package plugins

import "testing"

func TestAllAreWasm(t *testing.T) {
	for _, p := range All() {
		if len(p.Wasm) < 8 || string(p.Wasm[:4]) != "\x00asm" {
			t.Errorf("%s is not a wasm module", p.Name)
		}
		if p.Name == "" {
			t.Error("a built-in plugin without a name")
		}
	}
}
