package upstream

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// backend is a real HTTP server on loopback that counts what it sees.
type backend struct {
	name    string
	srv     *httptest.Server
	hits    atomic.Int64
	newConn atomic.Int64
	broken  atomic.Bool // drop the connection instead of answering

	mu   sync.Mutex
	last *http.Request // the last request, with its body in lastBody
	body string
}

// newBackend starts a backend answering 200 with its name. handle, when not
// nil, runs first and may answer itself (returning true).
func newBackend(t testing.TB, name string, handle func(w http.ResponseWriter, r *http.Request) bool) *backend {
	b := &backend{name: name}
	b.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b.hits.Add(1)
		body, _ := io.ReadAll(r.Body)
		b.mu.Lock()
		b.last, b.body = r, string(body)
		b.mu.Unlock()
		if b.broken.Load() {
			dropConn(w)
			return
		}
		if handle != nil && handle(w, r) {
			return
		}
		_, _ = io.WriteString(w, name)
	}))
	b.srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			b.newConn.Add(1)
		}
	}
	b.srv.Start()
	t.Cleanup(b.srv.Close)
	return b
}

func (b *backend) URL() string { return b.srv.URL }

func (b *backend) lastRequest() (*http.Request, string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.last, b.body
}

// dropConn closes the connection without a response.
func dropConn(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err == nil {
		_ = conn.Close()
	}
}

// refusedURL returns the URL of a port nobody listens on any more.
func refusedURL(t testing.TB) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	return "http://" + addr
}

// fakeClock is a settable Config.Now.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *fakeClock { return &fakeClock{now: time.Unix(1_700_000_000, 0)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func mustNew(t testing.TB, c Config) *Upstream {
	t.Helper()
	u, err := New(c, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(u.Close)
	return u
}

// incoming returns a request as the data plane's server would see it.
func incoming(method, target, body string) *http.Request {
	var r *http.Request
	if body == "" {
		r = httptest.NewRequest(method, target, nil)
	} else {
		r = httptest.NewRequest(method, target, strings.NewReader(body))
	}
	r.GetBody = nil // server requests have none
	return r
}

// roundTrip sends r through u and returns the response body, failing on error.
func roundTrip(t testing.TB, u *Upstream, r *http.Request) (*http.Response, string) {
	t.Helper()
	resp, err := u.Do(context.Background(), r)
	if err != nil {
		t.Fatalf("%s %s: %v", r.Method, r.URL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

func urls(bs ...*backend) []string {
	out := make([]string, len(bs))
	for i, b := range bs {
		out[i] = b.URL()
	}
	return out
}
