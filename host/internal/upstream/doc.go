// Package upstream forwards requests of hostd routes to upstream HTTP
// services: a reverse proxy with load balancing, connection reuse, passive
// health checks and bounded retries. It uses the standard library only.
//
// # Basics
//
//	u, err := upstream.New(upstream.Config{
//		Targets: []string{"http://127.0.0.1:9001", "http://127.0.0.1:9002/api"},
//		Balance: upstream.LeastRequests,
//		Timeout: 5 * time.Second,
//	}, nil)
//	resp, err := u.Do(ctx, r) // r: the incoming request after the filters ran
//	switch {
//	case errors.Is(err, upstream.ErrTimeout):     // 504 upstream_timeout
//	case errors.Is(err, upstream.ErrUnavailable): // 502 upstream_unavailable
//	}
//	defer resp.Body.Close() // always: it releases the target's in-flight slot
//
// Do does not write anything to a client: it returns the upstream's
// *http.Response with the body still open, so the data plane can run
// on_response filters on the status and headers before writing them.
//
// # What Do sends
//
// The outgoing request keeps r's method, headers (X-Request-ID,
// traceparent and tracestate pass through unchanged) and body. Its URL is
// the target's joined with r's path and query, the way
// httputil.NewSingleHostReverseProxy joins them, and its Host header is the
// target's. The fixed hop-by-hop headers (Connection, Keep-Alive, Proxy-*,
// TE, Trailer, Transfer-Encoding, Upgrade) are removed from the request;
// from the response also the headers its Connection header names.
//
// Do does not remove the headers a request's Connection header names:
// r is the request after the filters ran, and a client's "Connection:
// X-User" would delete the X-User a filter set. The data plane removes
// them, with the client's other hop-by-hop and untrusted forwarding
// headers, from the client's request before the first filter (dataplane
// ClientPolicy), and drops names that a target folding '_' into '-' would
// confuse with a forwarded header (dataplane.DropConfusable).
//
// X-Forwarded-For gets the client address from r.RemoteAddr appended;
// X-Forwarded-Host (r.Host) and X-Forwarded-Proto ("http" or "https",
// from r.TLS) are set when r has none. What r still carries of them comes
// from a trusted proxy or a filter: the data plane removes an untrusted
// client's before the filters run, so they are replaced, not appended to.
//
// # Health and retries
//
// A target whose exchange fails FailureThreshold times in a row without a
// response (connection refused or reset, TLS failure, timeout) is skipped
// for Cooldown; its next success makes it healthy again. Responses are never
// failures, whatever their status: a 503 from the service reaches the
// client. When every target is cooling down, Do tries the one whose cooldown
// ends first rather than refusing.
//
// A request that failed before a response is tried again on another target
// (at most Retries times) when that is safe: the body can be sent again
// (none, r.GetBody, or not a byte of it read yet) and either the method is
// idempotent (GET, HEAD, OPTIONS, TRACE) or not even the request headers
// were sent. Timeout bounds the whole exchange, retries included, until the
// response headers arrive; reading the body afterwards is not bounded by it.
//
// An Upstream is safe for concurrent use.
//
// # Caveats
//
// Protocol upgrades (WebSocket) are not proxied: Upgrade is a hop-by-hop
// header and is removed. Do does not close r.Body (the HTTP server does
// when the handler returns). r.ContentLength must describe r.Body: 0 sends
// no body, -1 sends it chunked.
package upstream
