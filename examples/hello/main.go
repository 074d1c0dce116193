// Command hello is a hostd handler plugin that greets: it answers
// "hello, NAME" where NAME is the route variable "name", else the query
// parameter "name", else "world". The configuration {"greeting": "hi"}
// changes the greeting.
package main

import (
	"encoding/json"
	"errors"
	"strconv"

	"github.com/hostd/hostd/sdk"
)

const defaultGreeting = "hello"

// greeting is parsed once per instance, in on_configure.
var greeting = defaultGreeting

func init() {
	sdk.HandleConfigure(configure)
	sdk.HandleRequest(handle)
}

func main() {}

// configure parses the configuration strictly: a JSON object whose only
// field is "greeting", a string. An empty object keeps the default.
func configure(raw []byte) error {
	greeting = defaultGreeting
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil || fields == nil {
		return errors.New("hello: configuration must be a JSON object")
	}
	for name := range fields {
		if name != "greeting" {
			return errors.New("hello: configuration: unknown field " + strconv.Quote(name))
		}
	}
	if g, ok := fields["greeting"]; ok {
		var s string
		if len(g) == 0 || g[0] != '"' || json.Unmarshal(g, &s) != nil {
			return errors.New("hello: configuration: greeting must be a string")
		}
		greeting = s
	}
	return nil
}

// body is the response, assembled in a buffer kept between requests: the
// host copies it in Send, so handle allocates nothing per request.
var body = make([]byte, 0, 128)

// handle answers every request with the greeting.
func handle(req sdk.Request, resp sdk.Response) sdk.Action {
	body = append(append(body[:0], greeting...), ", "...)
	n := len(body)
	var ok bool
	body, ok = req.AppendRouteVar(body, "name")
	if !ok || len(body) == n {
		body, ok = req.AppendQueryParam(body[:n], "name")
	}
	if !ok || len(body) == n {
		body = append(body[:n], "world"...)
	}
	resp.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if err := resp.Send(200, body); err != nil {
		sdk.Error("hello: send: " + err.Error())
	}
	return sdk.Respond
}
