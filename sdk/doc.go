// Package sdk is the guest SDK for hostd plugins written in Go: it speaks
// ABI v1 (package abi) for you, and builds with the standard Go toolchain
// (Go 1.24 or newer, GOOS=wasip1) and with TinyGo.
//
// # Writing a plugin
//
// A plugin is a main package that registers its callbacks in init. Go's
// c-shared Wasm build exports _initialize, which hostd calls once per
// instance and which runs the init functions; main is never called and
// stays empty.
//
//	package main
//
//	import "github.com/hostd/hostd/sdk"
//
//	func init() {
//		sdk.HandleRequest(func(req sdk.Request, resp sdk.Response) sdk.Action {
//			resp.Header().Set("Content-Type", "text/plain; charset=utf-8")
//			resp.Send(200, []byte("hello from "+req.Path()))
//			return sdk.Respond
//		})
//	}
//
//	func main() {}
//
// The request callback runs once per request before the route's target. A
// filter returns Continue to pass the request on, or builds a response and
// returns Respond to end the chain (a deny); a handler always responds. The
// optional response callback (HandleResponse) runs after the target, in
// reverse route order, and may change the response. The optional configure
// callback (HandleConfigure) runs once per instance before the first
// request with the route binding's JSON configuration: parse it there, keep
// the result in package variables, and return an error to reject it.
//
// # Messages
//
// The message callback (HandleMessage) runs for each message a trigger
// delivers: return nil to acknowledge it, an error to have it redelivered
// (and dead-lettered after the trigger's max_deliver), or settle it
// yourself with Message.Ack, Nak or Term. Any callback may Publish and
// RequestMsg on the NATS subjects the plugin's binding grants (ErrDenied
// otherwise); a message handler may always Respond to the message it got.
//
// An instance serves one request at a time, but hostd keeps a pool of
// instances and discards them at will: package variables are per-instance
// caches, never shared state. Use KV for state shared across requests.
//
// # Building
//
// With the standard toolchain (Go 1.24+):
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o plugin.wasm .
//
// With TinyGo (much smaller and faster to instantiate):
//
//	tinygo build -target=wasip1 -buildmode=c-shared -scheduler=none -no-debug -o plugin.wasm .
//
// The module imports only from hostd_v1 and wasi_snapshot_preview1, and
// exports memory, _initialize, hostd_abi_v1, on_configure, on_request,
// on_response and on_message.
//
// # Testing
//
// Outside Wasm the host functions are stubs that package sdktest replaces
// with a fake host, so plugin logic runs under plain go test; see sdktest.
//
// # Memory
//
// hostd never calls into the guest's allocator. Every value the host returns
// is written into a buffer the SDK owns, using the ABI's buf_limit protocol:
// the SDK passes its scratch buffer, and when the host reports a longer
// value it grows the buffer and asks again. The scratch buffer is reused, so
// in the steady state a read allocates only its result (a string, or a
// slice the caller owns). String arguments are passed to the host without
// copying. Bodies larger than the scratch buffer are read into a buffer of
// their own size.
//
// # Allocation-free request handling
//
// Each getter that returns a string (RouteVar, QueryParam, Header.Get, Path,
// Query) allocates it, and a Go guest's garbage collector then has work on
// every request. A handler that must not allocate appends instead, into a
// buffer it keeps in a package variable:
//
//	var buf = make([]byte, 0, 256)
//
//	func handle(req sdk.Request, resp sdk.Response) sdk.Action {
//		buf = append(buf[:0], "hello, "...)
//		buf, _ = req.AppendRouteVar(buf, "name")
//		resp.Header().Set("Content-Type", "text/plain; charset=utf-8")
//		resp.Send(200, buf)
//		return sdk.Respond
//	}
//
// Request.AppendRouteVar, AppendQueryParam, AppendPath, AppendQuery and
// Header.AppendValue append to dst and allocate only when it has no room;
// Header.Set and Header.Add pass constant strings to the host without
// copying, Header.SetBytes a value assembled in a buffer; the host copies
// what Send, SetBody, Write and SetBytes pass before they return, so the
// buffer is free again at once. examples/hello is written this way.
//
// Request, Response, Header and KVStore hold no state; copying them is free
// and their methods may be called in any order.
//
// # TinyGo
//
// The SDK uses no goroutines, no reflection and no encoding/json, so it
// works with -scheduler=none. Plugins should do the same on the request
// path; parsing the configuration with encoding/json in the configure
// callback (once per instance) is fine. Do not start goroutines or block:
// a callback must return. A panic traps: hostd answers 500 (or follows the
// route's failure policy) and discards the instance.
//
// Use Now instead of time.Now and Random instead of crypto/rand; the WASI
// clock and random source a guest sees depend on the host's configuration.
package sdk
