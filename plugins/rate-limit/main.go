// Command rate-limit is hostd's built-in rate-limiting filter: it takes one
// token per request from a host bucket named after the configuration and
// the request's key (client address, headers, claims forwarded by
// jwt-auth, or the route as a whole), sets the RateLimit-Limit,
// RateLimit-Remaining and RateLimit-Reset headers on the response, and
// answers 429 with Retry-After when the bucket is empty. See the
// rate-limit section of docs/builtin-plugins.md for the configuration.
//
// A key element whose header is absent counts as the empty value, so all
// requests without the header share one bucket. The buckets live in the
// host, so every instance of every binding naming the same bucket shares
// them; see bucket.go for how names are built.
//
// If the host refuses the call (no rate limiting, or limits it rejects),
// the filter traps, so the binding's "failure" setting decides: the
// request fails (closed, the default) or the filter is skipped (open).
package main

import (
	"errors"
	"strconv"

	"github.com/hostd/hostd/sdk"
)

func init() {
	sdk.HandleConfigure(configure)
	sdk.HandleRequest(onRequest)
}

func main() {}

// cfg is parsed once per instance, in on_configure.
var cfg limitConfig

// parts holds the current request's key values; reused.
var parts []string

// configure parses the configuration; on error the previous configuration
// is cleared, so a rejected instance never filters.
func configure(raw []byte) error {
	cfg = limitConfig{}
	c, err := parse(raw)
	if err != nil {
		return errors.New("rate-limit: configuration: " + err.Error())
	}
	cfg, parts = c, make([]string, 0, len(c.keys))
	return nil
}

// rateLimitedBody is the 429 body; constant, so it needs no escaping.
var rateLimitedBody = []byte(`{"error":{"code":"rate_limited","message":"too many requests; retry after the number of seconds in Retry-After"}}`)

// onRequest takes a token for the request and denies it when none is left.
func onRequest(req sdk.Request, resp sdk.Response) sdk.Action {
	if len(cfg.keys) == 0 {
		return sdk.Continue // not configured
	}
	limit, tierName := pickTier(req)
	parts = parts[:0]
	for _, k := range cfg.keys {
		parts = append(parts, keyValue(req, k))
	}
	nameBuf = appendName(nameBuf[:0], cfg.prefix, parts, tierName)
	d, err := sdk.RateLimit(unsafeString(nameBuf), limit, 1)
	if err != nil {
		msg := "rate-limit: " + err.Error()
		sdk.Error(msg)
		panic(msg) // a trap: the binding's failure policy applies
	}
	hd := resp.Header()
	setInt(hd, "RateLimit-Limit", d.Limit)
	setInt(hd, "RateLimit-Remaining", d.Remaining)
	setInt(hd, "RateLimit-Reset", ceilSeconds(d.Reset))
	if d.Allowed {
		return sdk.Continue
	}
	setInt(hd, "Retry-After", retryAfterSeconds(d.RetryAfter))
	if err := hd.Set("Content-Type", "application/json"); err != nil {
		sdk.Warn("rate-limit: set Content-Type: " + err.Error())
	}
	if err := resp.Send(429, rateLimitedBody); err != nil {
		sdk.Error("rate-limit: send: " + err.Error())
	}
	return sdk.Respond
}

// pickTier returns the limits for the request and the name of the tier it
// matched ("" when tiers are off or its value names no tier).
func pickTier(req sdk.Request) (sdk.Limit, string) {
	if len(cfg.tiers) == 0 {
		return cfg.limit, ""
	}
	v := keyValue(req, cfg.tierBy)
	for i := range cfg.tiers {
		if cfg.tiers[i].name == v {
			return cfg.tiers[i].limit, cfg.tiers[i].name
		}
	}
	return cfg.limit, ""
}

// keyValue returns the request's value for one key element.
func keyValue(req sdk.Request, k keyPart) string {
	switch k.kind {
	case keyIP:
		return clientIP(req.RemoteAddr())
	case keyHeader:
		v, _ := req.Header().Get(k.header)
		return v
	}
	return "" // keyRoute
}

// numBuf holds the decimal form of a header value; reused, as the host
// copies header values during the call.
var numBuf [20]byte

// setInt sets a response header to a decimal number.
func setInt(hd sdk.Header, name string, n int64) {
	if err := hd.Set(name, unsafeString(strconv.AppendInt(numBuf[:0], n, 10))); err != nil {
		sdk.Warn("rate-limit: set " + name + ": " + err.Error())
	}
}
