// Package testwasm holds tiny WebAssembly guests for the host's tests, one
// behaviour each. Every testdata/NAME.wasm was generated from
// testdata/NAME.wat by gen.sh (wat2wasm --debug-names); CI runs
// `gen.sh --check` so the binaries cannot drift from their sources.
package testwasm

import (
	"embed"
	"fmt"
)

//go:embed testdata/*.wasm
var files embed.FS

// Get returns the fixture NAME (testdata/NAME.wasm); it panics if there is
// none, which is a bug in the calling test.
func Get(name string) []byte {
	b, err := files.ReadFile("testdata/" + name + ".wasm")
	if err != nil {
		panic(fmt.Sprintf("testwasm: no fixture %q", name))
	}
	return b
}

// Fixtures, described in their .wat sources.
var (
	Hello           = Get("hello")
	Echo            = Get("echo")
	AddHeader       = Get("addheader")
	Deny            = Get("deny")
	Trap            = Get("trap")
	Loop            = Get("loop")
	MemBomb         = Get("membomb")
	MemBombStatic   = Get("membomb_static")
	NoMarker        = Get("nomarker")
	BadImport       = Get("badimport")
	BadSig          = Get("badsig")
	ConfigureReject = Get("configure_reject")
	ConfigEcho      = Get("config_echo")
	OnResponseTrap  = Get("on_response_trap")
	SlowConfigure   = Get("slow_configure")
	HostCall        = Get("hostcall")
	Slow            = Get("slow")
)
