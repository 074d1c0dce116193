// Package dispatch holds the callbacks a plugin registers with the sdk
// package and runs them for a guest export. Both the real exports
// (sdk/exports_wasm.go) and sdktest call these functions, so a plugin's
// tests drive exactly the code the host drives.
package dispatch

import (
	"github.com/hostd/hostd/abi"
	"github.com/hostd/hostd/sdk/internal/imports"
)

var (
	configure func() abi.Status
	request   func() abi.Action
	response  func()
	message   func() abi.Status
)

// SetMessage registers the on_message callback, replacing any other.
func SetMessage(f func() abi.Status) { message = f }

// noMessage is logged when a message arrives without a message callback.
var noMessage = []byte("plugin error: no message handler registered (call sdk.HandleMessage in init)")

// Message runs on_message. Without a registered callback it logs an error
// and returns StatusUnsupported (the message is redelivered, then
// dead-lettered), so a plugin bound to a trigger by mistake fails loudly.
func Message() abi.Status {
	if message == nil {
		imports.Log(abi.LogLevelError, noMessage)
		return abi.StatusUnsupported
	}
	return message()
}

// SetConfigure registers the on_configure callback, replacing any other.
func SetConfigure(f func() abi.Status) { configure = f }

// SetRequest registers the on_request callback, replacing any other.
func SetRequest(f func() abi.Action) { request = f }

// SetResponse registers the on_response callback, replacing any other.
func SetResponse(f func()) { response = f }

// Configure runs on_configure: StatusOK when nothing is registered. A
// plugin without a response callback has nothing to do in on_response, so
// Configure first enables abi.FeatureSkipResponse: the host then does not
// call it, and returns the instance to its pool as soon as on_request
// returns instead of holding it while the route's target runs.
func Configure() abi.Status {
	if response == nil {
		imports.EnableFeatures(abi.FeatureSkipResponse)
	}
	if configure == nil {
		return abi.StatusOK
	}
	return configure()
}

// noHandler is the body of the 500 sent when no request callback exists.
var noHandler = []byte("plugin error: no request handler registered (call sdk.HandleRequest in init)\n")

// Request runs on_request. Without a registered callback it logs an error
// and responds 500, so a plugin that forgot to register fails loudly.
func Request() abi.Action {
	if request == nil {
		imports.Log(abi.LogLevelError, noHandler[:len(noHandler)-1])
		imports.SendResponse(500, noHandler)
		return abi.ActionRespond
	}
	return request()
}

// Response runs on_response; it always returns ActionContinue, the only
// value the ABI allows.
func Response() abi.Action {
	if response != nil {
		response()
	}
	return abi.ActionContinue
}
