// Command empty is a benchmark guest whose request callback does nothing
// and returns Respond: the host answers 200 with an empty body.
package main

import "github.com/hostd/hostd/sdk"

func init() {
	sdk.HandleRequest(func(sdk.Request, sdk.Response) sdk.Action { return sdk.Respond })
}

func main() {}
