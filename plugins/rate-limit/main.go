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

// The current request's key values: keyBuf holds them back to back,
// keyEnds where each ends, and parts views of them for appendName; tierBuf
// holds the tier attribute. All are reused, so a request allocates
// nothing once they have grown to the size of its values.
var (
	keyBuf  []byte
	keyEnds []int
	parts   []string
	tierBuf []byte
)

// configure parses the configuration; on error the previous configuration
// is cleared, so a rejected instance never filters.
func configure(raw []byte) error {
	cfg = limitConfig{}
	c, err := parse(raw)
	if err != nil {
		return errors.New("rate-limit: configuration: " + err.Error())
	}
	cfg, parts, keyEnds = c, make([]string, 0, len(c.keys)), make([]int, 0, len(c.keys))
	keyBuf, tierBuf = make([]byte, 0, initNameCap), make([]byte, 0, maxTierName)
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
	keyBuf, keyEnds = keyBuf[:0], keyEnds[:0]
	for _, k := range cfg.keys {
		keyBuf = appendKeyValue(keyBuf, req, k)
		keyEnds = append(keyEnds, len(keyBuf))
	}
	parts = parts[:0]
	start := 0
	for _, end := range keyEnds { // keyBuf no longer moves
		parts = append(parts, unsafeString(keyBuf[start:end]))
		start = end
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
	tierBuf = appendKeyValue(tierBuf[:0], req, cfg.tierBy)
	for i := range cfg.tiers {
		if cfg.tiers[i].name == unsafeString(tierBuf) {
			return cfg.tiers[i].limit, cfg.tiers[i].name
		}
	}
	return cfg.limit, ""
}

// appendKeyValue appends the request's value for one key element to b.
func appendKeyValue(b []byte, req sdk.Request, k keyPart) []byte {
	switch k.kind {
	case keyIP:
		start := len(b)
		b = req.AppendRemoteAddr(b)
		ip := clientIP(unsafeString(b[start:]))
		return append(b[:start], ip...) // copy moves ip down within b
	case keyHeader:
		b, _ = req.Header().AppendValue(b, k.header)
	}
	return b // keyRoute: nothing
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
