// Package plugins embeds hostd's built-in plugins: policy filters written
// with the SDK in the sub-directories of this module and built to dist/ by
// build.sh. hostd registers them at start-up under their names.
//
// The .wasm files are generated from this repository's sources; CI runs
// `build.sh --check` and fails when they differ from what is committed.
package plugins

import (
	"embed"
	"io/fs"
	"path"
	"sort"
	"strings"
)

//go:embed dist
var dist embed.FS

// Plugin is one built-in plugin.
type Plugin struct {
	Name string // e.g. "jwt-auth"
	Wasm []byte
}

// All returns the built-in plugins sorted by name.
func All() []Plugin {
	var out []Plugin
	entries, _ := fs.ReadDir(dist, "dist")
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".wasm") {
			continue
		}
		b, err := dist.ReadFile(path.Join("dist", e.Name()))
		if err != nil {
			continue
		}
		out = append(out, Plugin{Name: strings.TrimSuffix(e.Name(), ".wasm"), Wasm: b})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
