//go:build !wasm

package sdktest

import (
	"testing"

	"github.com/hostd/hostd/sdk/internal/imports"
)

// install is a no-op outside Wasm: each call installs its Host.
func install(testing.TB, *Host) {}

// use makes h the SDK's host until restore is called.
func use(h *Host) (restore func()) { return imports.SetHost(fake{h}) }
