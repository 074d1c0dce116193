// Command appendvar is routevar with Request.AppendRouteVar into a buffer
// the plugin keeps: the same host call, no allocation in the guest.
package main

import "github.com/hostd/hostd/sdk"

var (
	body = []byte("hello, bob")
	buf  = make([]byte, 0, 64)
)

func init() {
	sdk.HandleRequest(func(req sdk.Request, resp sdk.Response) sdk.Action {
		var ok bool
		if buf, ok = req.AppendRouteVar(buf[:0], "name"); !ok || string(buf) != "bob" {
			_ = resp.Send(500, nil)
			return sdk.Respond
		}
		_ = resp.Send(200, body)
		return sdk.Respond
	})
}

func main() {}
