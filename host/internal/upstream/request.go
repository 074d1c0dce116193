package upstream

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// HopHeaders are the hop-by-hop headers (RFC 9110 section 7.6.1), in
// canonical form, that a proxy must not forward: they describe one
// connection, never the message.
var HopHeaders = []string{
	"Connection",
	"Proxy-Connection",
	"Keep-Alive",
	"Proxy-Authenticate",
	"Proxy-Authorization",
	"Te",
	"Trailer",
	"Transfer-Encoding",
	"Upgrade",
}

// RemoveHopHeaders deletes the hop-by-hop headers from h, including the
// ones its Connection header names: the data plane applies it to the
// client's request before any filter runs, the proxy to the upstream's
// response.
func RemoveHopHeaders(h http.Header) {
	for _, v := range h["Connection"] {
		for name := range strings.SplitSeq(v, ",") {
			if name = strings.TrimSpace(name); name != "" {
				h.Del(name)
			}
		}
	}
	removeFixedHopHeaders(h)
}

// removeFixedHopHeaders deletes the fixed hop-by-hop headers but not the
// ones a Connection header names. On a request that is the data plane's
// job, done on the client's request before any filter runs: here, after
// the filters, Connection: X-User would delete the X-User a filter set.
func removeFixedHopHeaders(h http.Header) {
	for _, name := range HopHeaders {
		delete(h, name)
	}
}

// outgoing is what every attempt of one Do shares: the headers and the body
// source.
type outgoing struct {
	in     *http.Request
	header http.Header
	body   *replayBody // nil when there is no body or in.GetBody replays it
}

// newOutgoing prepares the parts of r that do not depend on the target.
func newOutgoing(r *http.Request) *outgoing {
	o := &outgoing{in: r, header: r.Header.Clone()}
	if o.header == nil {
		o.header = make(http.Header, 4)
	}
	removeFixedHopHeaders(o.header)
	setForwarded(o.header, r)
	if o.hasBody() && r.GetBody == nil {
		o.body = &replayBody{rc: r.Body}
	}
	return o
}

func (o *outgoing) hasBody() bool {
	r := o.in
	return r.Body != nil && r.Body != http.NoBody && r.ContentLength != 0
}

// setForwarded sets the X-Forwarded-* headers for a request received as r:
// r.RemoteAddr is appended to X-Forwarded-For, and X-Forwarded-Host and
// -Proto are set unless r has them. The caller decides what of the
// client's may be kept (the data plane removes them unless the client is a
// trusted proxy), so what is left was set by a trusted proxy or a filter.
func setForwarded(h http.Header, r *http.Request) {
	vals := make([]string, 4) // one allocation for the four values
	one := func(i int, v string) []string { vals[i] = v; return vals[i : i+1 : i+1] }
	if ip, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		if prior := h["X-Forwarded-For"]; len(prior) > 0 {
			ip = strings.Join(prior, ", ") + ", " + ip
		}
		h["X-Forwarded-For"] = one(0, ip)
	}
	if _, ok := h["X-Forwarded-Host"]; !ok {
		h["X-Forwarded-Host"] = one(1, r.Host)
	}
	if _, ok := h["X-Forwarded-Proto"]; !ok {
		proto := "http"
		if r.TLS != nil {
			proto = "https"
		}
		h["X-Forwarded-Proto"] = one(2, proto)
	}
	if _, ok := h["User-Agent"]; !ok {
		h["User-Agent"] = one(3, "") // keep Go's default User-Agent out
	}
}

// request builds attempt n's request to t.
func (o *outgoing) request(ctx context.Context, t *target, n int) (*http.Request, error) {
	in := o.in
	method := in.Method
	if method == "" {
		method = http.MethodGet
	}
	u := &url.URL{Scheme: t.url.Scheme, Host: t.url.Host, RawQuery: joinQuery(t.url.RawQuery, in.URL.RawQuery)}
	u.Path, u.RawPath = joinPath(t.url, in.URL)
	out := &http.Request{
		Method:     method,
		URL:        u,
		Proto:      "HTTP/1.1",
		ProtoMajor: 1,
		ProtoMinor: 1,
		Header:     o.header,
		Host:       t.url.Host,
	}
	if o.hasBody() {
		body, err := o.bodyFor(n)
		if err != nil {
			return nil, err
		}
		out.Body, out.ContentLength, out.GetBody = body, in.ContentLength, in.GetBody
	}
	return out.WithContext(ctx), nil
}

// bodyFor returns the body attempt n sends.
func (o *outgoing) bodyFor(n int) (io.ReadCloser, error) {
	if o.body != nil {
		return o.body.forAttempt(n), nil
	}
	if n == 0 {
		return io.NopCloser(o.in.Body), nil // the server closes it
	}
	return o.in.GetBody()
}

// replayable reports whether attempt next can send the body, handing the
// shared body over to it if needed.
func (o *outgoing) replayable(next int) bool {
	if !o.hasBody() || o.in.GetBody != nil {
		return true
	}
	return o.body.handOver(next)
}

// idempotent reports whether the request may be repeated even when the
// upstream may have seen it.
func (o *outgoing) idempotent() bool {
	switch o.in.Method {
	case "", http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
		return true
	}
	return false
}

func joinQuery(a, b string) string {
	if a == "" || b == "" {
		return a + b
	}
	return a + "&" + b
}

// joinPath appends req's path to base's with exactly one slash between
// them, keeping req's escaping (an encoded slash stays encoded).
func joinPath(base, req *url.URL) (path, rawPath string) {
	if base.RawPath == "" && req.RawPath == "" {
		return joinSlash(base.Path, req.Path), ""
	}
	raw := joinSlash(base.EscapedPath(), req.EscapedPath())
	p, err := url.PathUnescape(raw)
	if err != nil {
		return joinSlash(base.Path, req.Path), ""
	}
	return p, raw
}

func joinSlash(a, b string) string {
	if a == "" {
		return b
	}
	if b == "" {
		return a
	}
	aSlash, bSlash := strings.HasSuffix(a, "/"), strings.HasPrefix(b, "/")
	switch {
	case aSlash && bSlash:
		return a + b[1:]
	case !aSlash && !bSlash:
		return a + "/" + b
	}
	return a + b
}
