// Command header is a benchmark guest that sets Content-Type with
// Header().Set, then answers with a constant body.
package main

import "github.com/hostd/hostd/sdk"

var body = []byte("hello, bob")

func init() {
	sdk.HandleRequest(func(_ sdk.Request, resp sdk.Response) sdk.Action {
		_ = resp.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_ = resp.Send(200, body)
		return sdk.Respond
	})
}

func main() {}
