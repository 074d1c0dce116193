package guestbuild

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// maxPluginGo is the newest `go` line a plugin-side module may declare:
// TinyGo releases before 0.36 accept Go ≤ 1.23, and plugin authors often sit a
// release or two behind.
const maxPluginGo = 23

// TestPluginModulesDeclareGo123 pins the go.mod of every plugin-side
// module (abi, sdk, plugins, examples/*) to a `go` line TinyGo 0.35 accepts and
// no toolchain line (which would switch an author's go to a toolchain TinyGo
// refuses).
func TestPluginModulesDeclareGo123(t *testing.T) {
	root := RepoRoot(t)
	mods := []string{"abi/go.mod", "sdk/go.mod", "plugins/go.mod"}
	examples, err := filepath.Glob(filepath.Join(root, "examples", "*", "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	if len(examples) == 0 {
		t.Fatal("no examples/*/go.mod found")
	}
	for _, e := range examples {
		rel, _ := filepath.Rel(root, e)
		mods = append(mods, rel)
	}
	for _, m := range mods {
		b, err := os.ReadFile(filepath.Join(root, m))
		if err != nil {
			t.Fatal(err)
		}
		sawGo := false
		for _, line := range strings.Split(string(b), "\n") {
			f := strings.Fields(line)
			if len(f) == 0 {
				continue
			}
			switch f[0] {
			case "toolchain":
				t.Errorf("%s: %q: a toolchain line makes the author's go switch to it, and TinyGo refuses that toolchain", m, line)
			case "go":
				sawGo = true
				if len(f) != 2 || !oldEnough(f[1]) {
					t.Errorf("%s: %q: plugin-side modules declare go 1.%d or older", m, line, maxPluginGo)
				}
			}
		}
		if !sawGo {
			t.Errorf("%s: no go line", m)
		}
	}
}

func oldEnough(v string) bool {
	parts := strings.Split(v, ".")
	if len(parts) < 2 || parts[0] != "1" {
		return false
	}
	minor, err := strconv.Atoi(parts[1])
	return err == nil && minor <= maxPluginGo
}
