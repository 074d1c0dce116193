// Command send2 is a benchmark guest that calls Response.Send twice with a
// constant body: a second host call that does nothing new, beside
// routevar and header, which add one each.
package main

import "github.com/hostd/hostd/sdk"

var body = []byte("hello, bob")

func init() {
	sdk.HandleRequest(func(_ sdk.Request, resp sdk.Response) sdk.Action {
		_ = resp.Send(200, body)
		_ = resp.Send(200, body)
		return sdk.Respond
	})
}

func main() {}
