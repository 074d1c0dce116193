// Command routevar is a benchmark guest that reads the route variable
// "name" with Request.RouteVar, then answers with a constant body.
package main

import "github.com/hostd/hostd/sdk"

var body = []byte("hello, bob")

func init() {
	sdk.HandleRequest(func(req sdk.Request, resp sdk.Response) sdk.Action {
		if name, ok := req.RouteVar("name"); !ok || name != "bob" {
			_ = resp.Send(500, nil)
			return sdk.Respond
		}
		_ = resp.Send(200, body)
		return sdk.Respond
	})
}

func main() {}
