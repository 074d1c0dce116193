// Command strings is examples/hello's request handler as written before the
// SDK's Append functions: route variable and query parameter as strings,
// the body built by string concatenation. It allocates each of them.
package main

import "github.com/hostd/hostd/sdk"

var greeting = "hello"

func init() {
	sdk.HandleRequest(func(req sdk.Request, resp sdk.Response) sdk.Action {
		name, ok := req.RouteVar("name")
		if !ok || name == "" {
			name, ok = req.QueryParam("name")
		}
		if !ok || name == "" {
			name = "world"
		}
		_ = resp.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_ = resp.Send(200, []byte(greeting+", "+name))
		return sdk.Respond
	})
}

func main() {}
