//go:build wasm

package sdktest

import "testing"

func install(t testing.TB, _ *Host) {
	t.Skip("sdktest: plugin tests run under plain go test, not GOARCH=wasm")
}

func use(*Host) (restore func()) { return func() {} }
