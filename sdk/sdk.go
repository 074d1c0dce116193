package sdk

import (
	"github.com/hostd/hostd/abi"
	"github.com/hostd/hostd/sdk/internal/dispatch"
)

// Action tells the host what to do after on_request.
type Action = abi.Action

const (
	// Continue passes the request to the next element of the route's chain.
	Continue Action = abi.ActionContinue
	// Respond ends the chain and sends the response the plugin built.
	// Handlers always return it.
	Respond Action = abi.ActionRespond
)

// HandleRequest registers the function the host calls once per request
// (on_request), before the route's target. A filter returns Continue to let
// the request through or Respond after building a response (for example
// with Response.Send); a handler builds the response and returns Respond.
// Call it from init; a later call replaces the earlier function.
func HandleRequest(f func(req Request, resp Response) Action) {
	dispatch.SetRequest(func() abi.Action { return f(Request{}, Response{}) })
}

// HandleResponse registers the function the host calls once per request
// after the target produced a response (on_response). It may change the
// response status and headers, and the body when the body is buffered (see
// abi.FeatureBufferResponse). Call it from init.
//
// By default it runs on the instance that ran the request callback, which
// the host then holds while the route's target runs: a slow target holds
// one instance of the plugin per request in flight. A plugin that enables
// abi.FeatureAnyInstanceResponse in its configure function and keeps its
// per-request state with SetRequestState instead of package variables
// lets the host return the instance right after the request callback; its
// response function may then run on another instance. A plugin without a
// response function gets this for free: the SDK enables
// abi.FeatureSkipResponse for it, and the host does not call on_response.
func HandleResponse(f func(req Request, resp Response)) {
	dispatch.SetResponse(func() { f(Request{}, Response{}) })
}

// HandleConfigure registers the function the host calls once per instance
// before the first request (on_configure), with the binding's configuration
// (JSON; "{}" when none was given). Parse it there and keep the result in a
// package variable. A non-nil error rejects the configuration: it is logged
// and on_configure returns StatusInvalidArgument, so the upload or route
// binding fails. Call it from init.
func HandleConfigure(f func(config []byte) error) {
	dispatch.SetConfigure(func() abi.Status {
		if err := f(Config()); err != nil {
			Log(abi.LogLevelError, "configure: "+err.Error())
			return abi.StatusInvalidArgument
		}
		return abi.StatusOK
	})
}
