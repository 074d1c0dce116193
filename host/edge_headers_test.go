package host_test

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hostd/hostd/host"
)

// headerSink is an upstream on loopback that keeps the headers of the last
// request, as a Go server (which does not fold '_') received them.
func headerSink(t *testing.T) (*httptest.Server, func() http.Header) {
	var seen atomic.Value
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := r.Header.Clone()
		h.Set("Host", r.Host)
		seen.Store(h)
		w.WriteHeader(204)
	}))
	t.Cleanup(s.Close)
	return s, func() http.Header {
		h, _ := seen.Load().(http.Header)
		return h
	}
}

// rawRequest writes head (CRLF-terminated lines, no final blank line) to
// the data plane on a fresh connection and reads the response: raw bytes,
// so hop-by-hop and underscore headers go out exactly as written.
func rawRequest(t *testing.T, th *testHost, head string) *http.Response {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(th.base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	_ = c.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := io.WriteString(c, head+"\r\n"); err != nil {
		t.Fatal(err)
	}
	r, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, r.Body)
	r.Body.Close()
	return r
}

// jwtUpstreamRoute starts a host whose route /api runs jwt-auth (sub
// forwarded as X-User) in front of an upstream that records headers.
func jwtUpstreamRoute(t *testing.T, mutate func(*host.Config)) (*testHost, func() http.Header) {
	sink, seen := headerSink(t)
	th := startHost(t, mutate)
	expectStatus(t, th.adminDo("PUT", "/v1/keysets/demo", []byte(demoJWKS())), 201)
	th.route("api", `{"path":"/api","filters":[{"plugin":"jwt-auth","config":{"keyset":"demo","forward_claims":{"sub":"X-User"}},"keysets":["demo"]}],"upstream":{"targets":["`+sink.URL+`"]}}`)
	return th, seen
}

// namesFolding returns the header names of h that a CGI/WSGI target reads
// as name (case and '_' versus '-' ignored).
func namesFolding(h http.Header, name string) []string {
	fold := func(s string) string { return strings.ToLower(strings.ReplaceAll(s, "_", "-")) }
	var out []string
	for k := range h {
		if fold(k) == fold(name) {
			out = append(out, k)
		}
	}
	return out
}

// TestClientCannotStripOrShadowFilterHeaders is issue 9 hole 1: a
// client's Connection header named X-User and X-Request-Id, which the
// proxy then deleted after jwt-auth and hostd had set them, and X_User:
// admin reached the upstream next to (or instead of) the real X-User.
func TestClientCannotStripOrShadowFilterHeaders(t *testing.T) {
	th, seen := jwtUpstreamRoute(t, nil)
	tok := token(t, map[string]any{"sub": "ann"})
	r := rawRequest(t, th, "GET /api HTTP/1.1\r\nHost: public.example\r\n"+
		"Authorization: Bearer "+tok+"\r\n"+
		"Connection: keep-alive, X-User, X-Request-Id, X-Forwarded-For\r\n"+
		"X_User: admin\r\nX-USER_: x\r\nx_request_id: forged\r\nHostd_Route: forged\r\n"+
		"X-Forwarded-For: 6.6.6.6\r\nX-Forwarded-Host: evil.example\r\nX-Forwarded-Proto: https\r\n"+
		"X-Forwarded-Port: 443\r\nForwarded: for=6.6.6.6;proto=https\r\nX-Real-IP: 6.6.6.6\r\n"+
		"Keep-Alive: 300\r\nProxy-Authorization: Basic eA==\r\nTE: trailers\r\n")
	if r.StatusCode != 204 {
		t.Fatalf("status %d, want 204 from the upstream", r.StatusCode)
	}
	h := seen()
	if got := h.Values("X-User"); len(got) != 1 || got[0] != "ann" {
		t.Errorf("upstream X-User %q, want the forwarded claim [ann]", got)
	}
	if n := namesFolding(h, "X-User"); len(n) != 1 {
		t.Errorf("upstream got names folding to X-User: %v, want only X-User", n)
	}
	if id := h.Get("X-Request-Id"); id == "" || id != r.Header.Get("X-Request-Id") {
		t.Errorf("upstream X-Request-Id %q, client was told %q", id, r.Header.Get("X-Request-Id"))
	}
	if n := namesFolding(h, "X-Request-Id"); len(n) != 1 {
		t.Errorf("upstream got names folding to X-Request-Id: %v", n)
	}
	for k, want := range map[string]string{"X-Forwarded-For": "127.0.0.1", "X-Forwarded-Proto": "http",
		"X-Forwarded-Host": "public.example"} {
		if got := h.Values(k); len(got) != 1 || got[0] != want {
			t.Errorf("upstream %s %q, want [%s] (the client's replaced, not appended)", k, got, want)
		}
	}
	for _, k := range []string{"Forwarded", "X-Real-Ip", "X-Forwarded-Port", "Connection", "Keep-Alive",
		"Proxy-Authorization", "Te", "X-User_", "Hostd_route"} {
		if v, ok := h[k]; ok {
			t.Errorf("upstream got client header %s %q", k, v)
		}
	}
}

// TestTrustedProxyForwardedHeaders: from a peer in server.trusted_proxies
// X-Forwarded-* are kept (For appended to), and Forwarded/X-Real-IP still
// go; underscore headers are kept when allowed, except the confusable.
func TestTrustedProxyForwardedHeaders(t *testing.T) {
	th, seen := jwtUpstreamRoute(t, func(c *host.Config) {
		c.Server.TrustedProxies = []string{"127.0.0.0/8", "::1"}
		c.Server.AllowUnderscoreHeaders = true
	})
	tok := token(t, map[string]any{"sub": "ann"})
	r := rawRequest(t, th, "GET /api HTTP/1.1\r\nHost: public.example\r\n"+
		"Authorization: Bearer "+tok+"\r\n"+
		"X_User: admin\r\nX_Request_Id: forged\r\nX_Forwarded_For: 6.6.6.6\r\nX_Custom: kept\r\n"+
		"X-Forwarded-For: 198.51.100.7\r\nX-Forwarded-Host: shop.example\r\nX-Forwarded-Proto: https\r\n"+
		"X-Forwarded-Port: 443\r\nForwarded: for=6.6.6.6\r\nX-Real-IP: 6.6.6.6\r\n")
	if r.StatusCode != 204 {
		t.Fatalf("status %d, want 204", r.StatusCode)
	}
	h := seen()
	for k, want := range map[string]string{"X-Forwarded-For": "198.51.100.7, 127.0.0.1",
		"X-Forwarded-Proto": "https", "X-Forwarded-Host": "shop.example", "X-Forwarded-Port": "443",
		"X_custom": "kept", "X-User": "ann"} {
		if got := h.Get(k); got != want {
			t.Errorf("upstream %s %q, want %q", k, got, want)
		}
	}
	for _, name := range []string{"X-User", "X-Request-Id", "X-Forwarded-For"} {
		if n := namesFolding(h, name); len(n) != 1 {
			t.Errorf("upstream got names folding to %s: %v", name, n)
		}
	}
	for _, k := range []string{"Forwarded", "X-Real-Ip"} {
		if v, ok := h[k]; ok {
			t.Errorf("upstream got %s %q from a trusted proxy; hostd does not maintain it", k, v)
		}
	}
}

func TestTrustedProxiesValidated(t *testing.T) {
	for _, bad := range []string{"10.0.0.0/33", "proxy.example", ""} {
		c := host.Config{Server: host.ServerConfig{TrustedProxies: []string{bad}}}
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "server.trusted_proxies") {
			t.Errorf("trusted_proxies %q: error %v", bad, err)
		}
	}
	c := host.Config{Server: host.ServerConfig{TrustedProxies: []string{"10.0.0.0/8", "192.0.2.1", "fd00::/8"}}}
	if err := c.Validate(); err != nil {
		t.Errorf("valid proxies refused: %v", err)
	}
}
