// Command counter is a hostd handler plugin that keeps named counters in the
// host's KV store. Bind it to a route with a {key} variable, e.g.
// "/count/{key}":
//
//	POST /count/a   increments counter "a" and returns the new count
//	GET  /count/a   returns the current count (0 if it was never incremented)
//
// Both answer 200 with {"key":"a","count":3}. Increments use
// compare-and-swap, so concurrent increments on different instances are
// exact. See README.md.
package main

import (
	"errors"
	"strconv"

	"github.com/hostd/hostd/abi"
	"github.com/hostd/hostd/sdk"
)

// kvPrefix namespaces the counters inside the plugin's KV namespace.
const kvPrefix = "count/"

// maxAttempts bounds the compare-and-swap loop of an increment; past it the
// key is too contended and the client gets 503.
const maxAttempts = 16

func init() {
	sdk.HandleConfigure(configure)
	sdk.HandleRequest(handle)
}

func main() {}

// configure refuses to run without KV: a counter that cannot count must fail
// when it is bound to a route, not on every request.
func configure([]byte) error {
	if !sdk.EnableFeatures(abi.FeatureKV).IsEnabled(abi.FeatureKV) {
		return errors.New("counter: KV is not available to this plugin")
	}
	return nil
}

func handle(req sdk.Request, resp sdk.Response) sdk.Action {
	key, ok := req.RouteVar("key")
	if !ok || key == "" {
		fail(resp, 404, "no_key", "the route has no {key} variable")
		return sdk.Respond
	}
	var n uint64
	var err error
	switch req.Method() {
	case "GET", "HEAD":
		n, _, err = load(key)
	case "POST":
		n, err = increment(key)
	default:
		resp.Header().Set("Allow", "GET, HEAD, POST")
		fail(resp, 405, "method_not_allowed", "use GET or POST")
		return sdk.Respond
	}
	if err != nil {
		failKV(resp, err)
		return sdk.Respond
	}
	resp.Header().Set("Content-Type", "application/json")
	resp.Send(200, countJSON(key, n))
	return sdk.Respond
}

// errCorrupt is returned when a stored count is not a decimal number.
var errCorrupt = errors.New("counter: stored value is not a count")

// errContended is returned when every compare-and-swap attempt conflicted.
var errContended = errors.New("counter: too many concurrent increments")

// load returns the count of key and its revision (0, 0 when absent).
func load(key string) (n, rev uint64, err error) {
	v, rev, found, err := sdk.KV.Get(kvPrefix + key)
	if err != nil || !found {
		return 0, 0, err
	}
	n, err = strconv.ParseUint(string(v), 10, 64)
	if err != nil {
		return 0, 0, errCorrupt
	}
	return n, rev, nil
}

// increment adds one to key with a compare-and-swap loop: read the count and
// its revision, write count+1 only if the revision is unchanged, and start
// again when another instance wrote first.
func increment(key string) (uint64, error) {
	var buf [20]byte
	for range maxAttempts {
		n, rev, err := load(key)
		if err != nil {
			return 0, err
		}
		_, err = sdk.KV.CompareAndSwap(kvPrefix+key, strconv.AppendUint(buf[:0], n+1, 10), 0, rev)
		if err == nil {
			return n + 1, nil
		}
		if !errors.Is(err, sdk.ErrConflict) {
			return 0, err
		}
	}
	return 0, errContended
}

// failKV maps a KV error to a response.
func failKV(resp sdk.Response, err error) {
	switch {
	case errors.Is(err, errContended), errors.Is(err, sdk.ErrUnavailable):
		resp.Header().Set("Retry-After", "1")
		fail(resp, 503, "unavailable", err.Error())
	case errors.Is(err, sdk.ErrTooLarge), errors.Is(err, sdk.ErrInvalidArgument):
		fail(resp, 400, "bad_key", "the key is empty or too long")
	default:
		sdk.Error("counter: " + err.Error())
		fail(resp, 500, "internal", err.Error())
	}
}

// fail sends an error in the same JSON shape as hostd's own errors.
func fail(resp sdk.Response, status int, code, msg string) {
	resp.Header().Set("Content-Type", "application/json")
	b := append([]byte(`{"error":{"code":`), quote(code)...)
	b = append(append(append(b, `,"message":`...), quote(msg)...), "}}"...)
	resp.Send(status, b)
}

// countJSON returns {"key":KEY,"count":N}.
func countJSON(key string, n uint64) []byte {
	b := append([]byte(`{"key":`), quote(key)...)
	b = append(b, `,"count":`...)
	b = strconv.AppendUint(b, n, 10)
	return append(b, '}')
}
