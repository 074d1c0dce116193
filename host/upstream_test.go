package host_test

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hostd/hostd/internal/testwasm"
)

func TestUpstreamRoute(t *testing.T) {
	var seen atomic.Value
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen.Store(r.Header.Clone())
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("X-Upstream", "yes")
		w.WriteHeader(201)
		_, _ = w.Write([]byte("upstream saw " + r.Method + " " + r.URL.RequestURI() + " " + string(body)))
	}))
	defer api.Close()
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}))
	defer slow.Close()
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	dead := "http://" + ln.Addr().String()
	ln.Close()

	th := startHost(t, nil)
	th.upload("addheader", testwasm.AddHeader)
	th.route("api", `{"path_prefix":"/api/","filters":[{"plugin":"addheader"}],"upstream":{"targets":["`+api.URL+`/v1"]}}`)
	th.route("failover", `{"path":"/failover","upstream":{"targets":["`+dead+`","`+api.URL+`"]}}`)
	th.route("down", `{"path":"/down","upstream":{"targets":["`+dead+`"]}}`)
	th.route("slow", `{"path":"/slow","upstream":{"targets":["`+slow.URL+`"],"timeout":"200ms"}}`)

	r := th.do("POST", th.base+"/api/items?x=1", "", []byte("payload"), "X-Request-ID", "req-42", "traceparent", "00-abc-def-01")
	expectStatus(t, r, 201)
	if got, want := string(r.body), "upstream saw POST /v1/api/items?x=1 payload"; got != want {
		t.Errorf("body %q, want %q", got, want)
	}
	if r.header.Get("X-Upstream") != "yes" || r.header.Get("X-Filter") != "seen" || r.header.Get("X-Response-Phase") != "yes" {
		t.Errorf("headers %v", r.header)
	}
	h := seen.Load().(http.Header)
	for k, want := range map[string]string{"X-Added": "yes", "X-Request-Id": "req-42", "Traceparent": "00-abc-def-01", "X-Forwarded-For": "127.0.0.1"} {
		if h.Get(k) != want {
			t.Errorf("upstream got %s=%q, want %q", k, h.Get(k), want)
		}
	}
	if h.Get("X-Forwarded-Proto") != "http" || h.Get("X-Forwarded-Host") == "" {
		t.Errorf("forwarded headers: %v", h)
	}

	expectStatus(t, th.get("/failover"), 201)
	r = th.get("/down")
	expectStatus(t, r, 502)
	if c := r.errorCode(t); c != "upstream_unavailable" {
		t.Errorf("code %q", c)
	}
	r = th.get("/slow")
	expectStatus(t, r, 504)
	if c := r.errorCode(t); c != "upstream_timeout" {
		t.Errorf("code %q", c)
	}

	for _, body := range []string{
		`{"path":"/x","upstream":{"targets":[]}}`,
		`{"path":"/x","upstream":{"targets":["ftp://x"]}}`,
		`{"path":"/x","upstream":{"targets":["http://a"],"timeout":"soon"}}`,
		`{"path":"/x","upstream":{"targets":["http://a"]},"handler":{"plugin":"addheader"}}`,
	} {
		expectStatus(t, th.adminDo("PUT", "/v1/routes/x", []byte(body)), 400)
	}
}
