// Command headerfilter is a hostd filter plugin that checks and rewrites
// headers: it denies requests that lack a required header (or carry the
// wrong value) or that carry a forbidden header, sets request headers
// before the target, and sets response headers after it. See README.md for
// the configuration.
package main

import (
	"crypto/subtle"

	"github.com/hostd/hostd/sdk"
)

func init() {
	sdk.HandleConfigure(configure)
	sdk.HandleRequest(onRequest)
	sdk.HandleResponse(onResponse)
}

func main() {}

// cfg is parsed once per instance, in on_configure. It is the only state:
// onResponse needs nothing from onRequest, so configure enables
// abi.FeatureAnyInstanceResponse and the host does not hold an instance
// while the target runs.
var cfg filterConfig

// onRequest denies or passes the request, setting request headers first.
func onRequest(req sdk.Request, resp sdk.Response) sdk.Action {
	if msg, denied := check(req.Header()); denied {
		deny(resp, msg)
		return sdk.Respond
	}
	for _, h := range cfg.setRequest {
		if err := req.Header().Set(h.name, h.value); err != nil {
			sdk.Warn("headerfilter: set request header " + h.name + ": " + err.Error())
		}
	}
	return sdk.Continue
}

// check returns why the request must be denied, if it must.
func check(hd sdk.Header) (msg string, denied bool) {
	for _, name := range cfg.deny {
		if _, ok := hd.Get(name); ok {
			return "header " + name + " is not allowed", true
		}
	}
	for _, r := range cfg.require {
		got, ok := hd.Get(r.name)
		switch {
		case !ok:
			return "missing required header " + r.name, true
		case r.value != "" && subtle.ConstantTimeCompare([]byte(got), []byte(r.value)) != 1:
			return "header " + r.name + " has a wrong value", true
		}
	}
	return "", false
}

// deny sends the configured status with a JSON error body. msg holds only
// header names, which are validated tokens, so it needs no JSON escaping.
func deny(resp sdk.Response, msg string) {
	resp.Header().Set("Content-Type", "application/json")
	body := `{"error":{"code":"denied","message":"` + msg + `"}}`
	if err := resp.Send(cfg.denyStatus, []byte(body)); err != nil {
		sdk.Error("headerfilter: send: " + err.Error())
	}
}

// onResponse sets the configured response headers.
func onResponse(_ sdk.Request, resp sdk.Response) {
	for _, h := range cfg.setResponse {
		if err := resp.Header().Set(h.name, h.value); err != nil {
			sdk.Warn("headerfilter: set response header " + h.name + ": " + err.Error())
		}
	}
}
