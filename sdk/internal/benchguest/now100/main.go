// Command now100 is send with 100 calls of sdk.Now first: (now100 − send)
// / 100 is what one host call costs a Go guest, to compare with the same
// call from WAT (engine BenchmarkHostCall/call_now).
package main

import "github.com/hostd/hostd/sdk"

var body = []byte("hello, bob")

func init() {
	sdk.HandleRequest(func(_ sdk.Request, resp sdk.Response) sdk.Action {
		var t int64
		for range 100 {
			t += sdk.Now().UnixNano()
		}
		if t == 0 {
			_ = resp.Send(500, nil)
			return sdk.Respond
		}
		_ = resp.Send(200, body)
		return sdk.Respond
	})
}

func main() {}
