// Command send is a benchmark guest that answers with Response.Send of a
// constant body.
package main

import "github.com/hostd/hostd/sdk"

var body = []byte("hello, bob")

func init() {
	sdk.HandleRequest(func(_ sdk.Request, resp sdk.Response) sdk.Action {
		_ = resp.Send(200, body)
		return sdk.Respond
	})
}

func main() {}
