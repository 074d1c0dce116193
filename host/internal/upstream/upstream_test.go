package upstream

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestForwardedAndTraceHeaders(t *testing.T) {
	a := newBackend(t, "a", func(w http.ResponseWriter, r *http.Request) bool {
		w.Header().Set("Connection", "X-Resp-Hop")
		w.Header().Set("X-Resp-Hop", "1")
		w.Header().Set("Keep-Alive", "timeout=5")
		w.Header().Set("X-App", "yes")
		return false
	})
	u := mustNew(t, Config{Targets: urls(a)})
	r := incoming("GET", "http://public.example/x", "")
	r.RemoteAddr = "203.0.113.7:5555"
	h := r.Header
	h.Set("X-Forwarded-For", "10.0.0.1")
	h.Set("X-Forwarded-Proto", "https") // kept: the data plane removed an untrusted client's
	h.Set("X-Request-ID", "req-42")
	h.Set("Traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
	h.Set("Tracestate", "vendor=abc")
	h.Set("Connection", "X-Hop, keep-alive")
	h.Set("X-Hop", "1")
	h.Set("Keep-Alive", "300")
	h.Set("Proxy-Authorization", "Basic eA==")
	h.Set("Proxy-Connection", "keep-alive")
	h.Set("Te", "trailers")
	h.Set("Upgrade", "websocket")
	h.Set("Trailer", "X-T")
	h.Set("X-Custom", "kept")

	resp, _ := roundTrip(t, u, r)
	got, _ := a.lastRequest()
	want := map[string]string{
		"X-Forwarded-For":   "10.0.0.1, 203.0.113.7",
		"X-Forwarded-Proto": "https",
		"X-Forwarded-Host":  "public.example",
		// The names a request's Connection header lists are the data
		// plane's to remove, before the filters; after them, a client's
		// Connection: X-User would delete what a filter set.
		"X-Hop":        "1",
		"X-Request-Id": "req-42",
		"Traceparent":  "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
		"Tracestate":   "vendor=abc",
		"X-Custom":     "kept",
	}
	for k, v := range want {
		if g := got.Header.Get(k); g != v {
			t.Errorf("upstream got %s %q, want %q", k, g, v)
		}
	}
	for _, k := range []string{"Connection", "Keep-Alive", "Proxy-Authorization",
		"Proxy-Connection", "Te", "Upgrade", "Trailer", "User-Agent"} {
		if v, ok := got.Header[k]; ok {
			t.Errorf("upstream got hop-by-hop or default header %s %q", k, v)
		}
	}
	if wantHost := strings.TrimPrefix(a.URL(), "http://"); got.Host != wantHost {
		t.Errorf("upstream Host %q, want the target's %q", got.Host, wantHost)
	}
	if r.Header.Get("X-Forwarded-For") != "10.0.0.1" || r.Header.Get("Connection") == "" {
		t.Error("Do modified the incoming request's headers")
	}
	for _, k := range []string{"Connection", "X-Resp-Hop", "Keep-Alive"} {
		if v, ok := resp.Header[k]; ok {
			t.Errorf("response kept hop-by-hop header %s %q", k, v)
		}
	}
	if resp.Header.Get("X-App") != "yes" {
		t.Errorf("response lost X-App: %v", resp.Header)
	}
}

func TestRemoveHopHeaders(t *testing.T) {
	h := http.Header{"Connection": {"close, X-A", "X-B"}, "X-A": {"1"}, "X-B": {"2"},
		"Keep-Alive": {"1"}, "Transfer-Encoding": {"chunked"}, "X-C": {"3"}}
	RemoveHopHeaders(h)
	if len(h) != 1 || h.Get("X-C") != "3" {
		t.Fatalf("left %v, want only X-C", h)
	}
}

func TestPathJoining(t *testing.T) {
	a := newBackend(t, "a", nil)
	tests := []struct {
		name, prefix, request, want string
	}{
		{"no prefix", "", "/v1/items?id=3", "/v1/items?id=3"},
		{"prefix", "/api", "/v1/items", "/api/v1/items"},
		{"prefix with slash", "/api/", "/v1/items", "/api/v1/items"},
		{"root request", "/api", "/", "/api/"},
		{"queries joined", "/api?key=k", "/x?id=3", "/api/x?key=k&id=3"},
		{"encoded slash kept", "/api", "/a%2Fb/c", "/api/a%2Fb/c"},
		{"encoded prefix", "/sp%20ace", "/x", "/sp%20ace/x"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			u := mustNew(t, Config{Targets: []string{a.URL() + tc.prefix}})
			roundTrip(t, u, incoming("GET", tc.request, ""))
			got, _ := a.lastRequest()
			if got.RequestURI != tc.want {
				t.Fatalf("upstream got %q, want %q", got.RequestURI, tc.want)
			}
		})
	}
}

func TestPathChangedByFilter(t *testing.T) {
	a := newBackend(t, "a", nil)
	u := mustNew(t, Config{Targets: []string{a.URL() + "/svc"}})
	r := incoming("GET", "/public/x?drop=1", "")
	r.URL.Path, r.URL.RawQuery = "/internal/x", "keep=1" // a filter rewrote it
	roundTrip(t, u, r)
	if got, _ := a.lastRequest(); got.RequestURI != "/svc/internal/x?keep=1" {
		t.Fatalf("upstream got %q", got.RequestURI)
	}
}

func TestConnectionReuse(t *testing.T) {
	a := newBackend(t, "a", nil)
	u := mustNew(t, Config{Targets: urls(a)})
	for range 50 {
		roundTrip(t, u, incoming("GET", "/", ""))
		roundTrip(t, u, incoming("POST", "/", "some body"))
	}
	if n := a.newConn.Load(); n != 1 {
		t.Fatalf("%d connections for 100 sequential requests, want 1", n)
	}
}

func TestBodyForwarded(t *testing.T) {
	a := newBackend(t, "a", nil)
	u := mustNew(t, Config{Targets: urls(a)})
	tests := []struct{ name, body string }{{"small", "hello"}, {"large", strings.Repeat("x", 1<<20)}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			roundTrip(t, u, incoming("PUT", "/", tc.body))
			got, body := a.lastRequest()
			if body != tc.body || got.ContentLength != int64(len(tc.body)) {
				t.Fatalf("upstream got %d bytes (Content-Length %d), want %d", len(body), got.ContentLength, len(tc.body))
			}
		})
	}
}

func TestTimeout(t *testing.T) {
	done := make(chan struct{})
	t.Cleanup(func() { close(done) })
	slow := newBackend(t, "slow", func(w http.ResponseWriter, r *http.Request) bool {
		select {
		case <-done:
		case <-r.Context().Done():
		}
		return true
	})
	fast := newBackend(t, "fast", nil)
	for _, method := range []string{"POST", "GET"} {
		t.Run(method, func(t *testing.T) {
			u := mustNew(t, Config{Targets: urls(slow, fast), Timeout: 50 * time.Millisecond})
			body := ""
			if method == "POST" {
				body = "payload"
			}
			_, err := u.Do(context.Background(), incoming(method, "/", body))
			if !errors.Is(err, ErrTimeout) || errors.Is(err, ErrUnavailable) {
				t.Fatalf("err %v, want ErrTimeout", err)
			}
			if n := fast.hits.Load(); n != 0 {
				t.Fatalf("retried on the other target (%d hits) after the time ran out", n)
			}
			if st := u.Stats(); st[0].Healthy || st[0].InFlight != 0 {
				t.Fatalf("slow target stats %+v, want unhealthy, nothing in flight", st[0])
			}
		})
	}
}

func TestCallerDeadlineIsTimeout(t *testing.T) {
	slow := newBackend(t, "slow", func(w http.ResponseWriter, r *http.Request) bool {
		<-r.Context().Done()
		return true
	})
	u := mustNew(t, Config{Targets: urls(slow)})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	if _, err := u.Do(ctx, incoming("GET", "/", "")); !errors.Is(err, ErrTimeout) {
		t.Fatalf("err %v, want ErrTimeout", err)
	}
}

func TestRetryRules(t *testing.T) {
	tests := []struct {
		name       string
		method     string
		body       string
		getBody    bool
		first      string // "refused" or "drop" (reads the request, then closes)
		wantRetry  bool
		wantStatus error
	}{
		{"GET after drop", "GET", "", false, "drop", true, nil},
		{"POST refused", "POST", "payload", false, "refused", true, nil},
		{"POST without body refused", "POST", "", false, "refused", true, nil},
		{"POST after drop", "POST", "payload", false, "drop", false, ErrUnavailable},
		{"POST without body after drop", "POST", "", false, "drop", false, ErrUnavailable},
		{"PUT with GetBody after drop", "PUT", "payload", true, "drop", false, ErrUnavailable},
		{"GET with body read then drop", "GET", "payload", false, "drop", false, ErrUnavailable},
		{"GET with GetBody after drop", "GET", "payload", true, "drop", true, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			second := newBackend(t, "second", nil)
			first := refusedURL(t)
			if tc.first == "drop" {
				b := newBackend(t, "first", nil)
				b.broken.Store(true)
				first = b.URL()
			}
			u := mustNew(t, Config{Targets: []string{first, second.URL()}})
			r := incoming(tc.method, "/", tc.body)
			if tc.getBody {
				r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(tc.body)), nil }
			}
			resp, err := u.Do(context.Background(), r)
			if tc.wantRetry {
				if err != nil {
					t.Fatalf("err %v, want a retry", err)
				}
				resp.Body.Close()
				if _, got := second.lastRequest(); got != tc.body {
					t.Fatalf("retry sent body %q, want %q", got, tc.body)
				}
				return
			}
			if !errors.Is(err, tc.wantStatus) {
				t.Fatalf("err %v, want %v", err, tc.wantStatus)
			}
			if n := u.Stats()[1].Requests; n != 0 {
				t.Fatalf("retried (%d attempts) though unsafe", n)
			}
		})
	}
}

func TestRetriesBounded(t *testing.T) {
	live := newBackend(t, "live", nil)
	targets := []string{refusedURL(t), refusedURL(t), refusedURL(t), live.URL()}
	for _, tc := range []struct {
		retries int
		wantOK  bool
	}{{NoRetries, false}, {0, false}, {2, false}, {3, true}} {
		u := mustNew(t, Config{Targets: targets, Retries: tc.retries})
		resp, err := u.Do(context.Background(), incoming("GET", "/", ""))
		if (err == nil) != tc.wantOK {
			t.Fatalf("retries %d: err %v", tc.retries, err)
		}
		if err == nil {
			resp.Body.Close()
		}
	}
}

func TestResponseStreamsAfterDo(t *testing.T) {
	a := newBackend(t, "a", func(w http.ResponseWriter, r *http.Request) bool {
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusTeapot)
		for range 3 {
			_, _ = io.WriteString(w, strings.Repeat("z", 64<<10))
			http.NewResponseController(w).Flush()
		}
		return true
	})
	u := mustNew(t, Config{Targets: urls(a), Timeout: time.Hour})
	resp, body := roundTrip(t, u, incoming("GET", "/", ""))
	if resp.StatusCode != http.StatusTeapot || len(body) != 3*64<<10 || resp.Header.Get("Content-Type") != "text/plain" {
		t.Fatalf("status %d, %d bytes, header %v", resp.StatusCode, len(body), resp.Header)
	}
}

func TestUpstream5xxIsAResponse(t *testing.T) {
	a := newBackend(t, "a", func(w http.ResponseWriter, r *http.Request) bool {
		w.WriteHeader(http.StatusServiceUnavailable)
		return true
	})
	b := newBackend(t, "b", nil)
	u := mustNew(t, Config{Targets: urls(a, b)})
	resp, _ := roundTrip(t, u, incoming("GET", "/", ""))
	if resp.StatusCode != http.StatusServiceUnavailable || b.hits.Load() != 0 || !u.Stats()[0].Healthy {
		t.Fatalf("status %d, b hits %d, stats %+v", resp.StatusCode, b.hits.Load(), u.Stats()[0])
	}
}

func TestTargetURLParsed(t *testing.T) {
	u := mustNew(t, Config{Targets: []string{"https://example.com:8443/p"}})
	want := &url.URL{Scheme: "https", Host: "example.com:8443", Path: "/p"}
	if got := u.bal.targets[0].url; *got != *want {
		t.Fatalf("parsed %#v", got)
	}
}
