//go:build wasm

package sdk

import "github.com/hostd/hostd/sdk/internal/dispatch"

// The guest exports of ABI v1. They exist only in Wasm builds; sdktest
// calls the same dispatch functions.

// abiMarker declares that this module speaks ABI v1. It is never called.
//
//go:wasmexport hostd_abi_v1
func abiMarker() {}

//go:wasmexport on_configure
func onConfigure() uint32 { return uint32(dispatch.Configure()) }

//go:wasmexport on_request
func onRequest() uint32 { return uint32(dispatch.Request()) }

//go:wasmexport on_response
func onResponse() uint32 { return uint32(dispatch.Response()) }

//go:wasmexport on_message
func onMessage() uint32 { return uint32(dispatch.Message()) }
