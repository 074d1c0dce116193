//go:build wasm

package main

import (
	"github.com/hostd/hostd/abi"
	"github.com/hostd/hostd/sdk/internal/imports"
)

//go:wasmexport hostd_abi_v1
func abiMarker() {}

//go:wasmexport on_request
func onRequest() uint32 {
	imports.SendResponse(200, body)
	return uint32(abi.ActionRespond)
}
