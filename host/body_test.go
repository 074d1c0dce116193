package host_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hostd/hostd/host"
	"github.com/hostd/hostd/internal/testwasm"
)

// slowBody opens a raw connection to addr and sends a POST with a
// Content-Length of 1000 and only its first byte: the body never arrives.
// The connection is closed at the end of the test.
func slowBody(t *testing.T, addr, path string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if _, err := fmt.Fprintf(c, "POST %s HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nx", path); err != nil {
		t.Fatal(err)
	}
	return c
}

// holdingUpstream answers its requests only when release is closed, and
// reports each request it receives on arrived.
func holdingUpstream(t *testing.T) (srv *httptest.Server, arrived chan struct{}, release func()) {
	arrived, done := make(chan struct{}, 16), make(chan struct{})
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		select {
		case <-done:
		case <-r.Context().Done():
		}
		_, _ = w.Write([]byte("late"))
	}))
	var closed bool
	release = func() {
		if !closed {
			closed = true
			close(done)
		}
	}
	t.Cleanup(func() { release(); srv.Close() })
	return srv, arrived, release
}

func okUpstream(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		_, _ = w.Write([]byte("ok"))
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestSlowBodyDoesNotPinInstances: clients that send a body slowly to a
// route whose handler reads it (get_body) must not hold the binding's
// instances: the host reads the body before it takes one. A healthy request
// on another route of the same binding gets 200, not 503 plugin_busy.
func TestSlowBodyDoesNotPinInstances(t *testing.T) {
	th := startHost(t, func(c *host.Config) {
		c.Limits.MaxInstances = 2
		c.Limits.QueueTimeout = host.Duration(200 * time.Millisecond)
	})
	th.upload("bodyecho", testwasm.BodyEcho)
	th.upload("pass", testwasm.Pass)
	th.route("upload", `{"path":"/upload","filters":[{"plugin":"pass"}],"handler":{"plugin":"bodyecho"}}`)
	th.route("other", `{"path":"/other","filters":[{"plugin":"pass"}],"handler":{"plugin":"bodyecho"}}`)
	addr := strings.TrimPrefix(th.base, "http://")
	for range 4 { // twice the pool
		slowBody(t, addr, "/upload")
	}
	// Give the slow requests time to reach their handlers. (Without the
	// fix they then sit in get_body, each holding an instance for the
	// server's 60 s read timeout.)
	time.Sleep(300 * time.Millisecond)
	for range 3 {
		r := th.do("POST", th.base+"/other", "", []byte("healthy"))
		expectStatus(t, r, 200)
		if string(r.body) != "healthy" {
			t.Fatalf("body %q", r.body)
		}
	}
}

// TestSlowBodyTimesOut: a handler that reads the body of a client that never
// finishes sending it does not wait for the server's read timeout: the
// request ends at body_read_timeout with 408 body_timeout.
func TestSlowBodyTimesOut(t *testing.T) {
	th := startHost(t, func(c *host.Config) {
		c.Server.BodyReadTimeout = host.Duration(300 * time.Millisecond)
	})
	th.upload("bodyecho", testwasm.BodyEcho)
	th.route("upload", `{"path":"/upload","handler":{"plugin":"bodyecho"}}`)
	c := slowBody(t, strings.TrimPrefix(th.base, "http://"), "/upload")
	// Far below the server's 60 s read timeout, far above 300 ms.
	_ = c.SetReadDeadline(time.Now().Add(20 * time.Second))
	res, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("no answer before the read timeout: %v", err)
	}
	b, _ := io.ReadAll(res.Body)
	r := resp{status: res.StatusCode, header: res.Header, body: b}
	expectStatus(t, r, http.StatusRequestTimeout)
	if code := r.errorCode(t); code != "body_timeout" {
		t.Fatalf("code %q", code)
	}
	// A body that arrives is still read and echoed.
	r = th.do("POST", th.base+"/upload", "", []byte("complete"))
	expectStatus(t, r, 200)
	if string(r.body) != "complete" {
		t.Fatalf("body %q", r.body)
	}
}

// TestSlowUpstreamDoesNotHoldFilters: while an upstream delays its answer,
// no filter instance is held: not a WAT filter without on_response, not the
// SDK-built jwt-auth (no response handler), not circuit-breaker (whose
// on_response runs on any instance, with its request state). Another route
// of the same bindings is served at once, with pools of one instance.
func TestSlowUpstreamDoesNotHoldFilters(t *testing.T) {
	slow, arrived, release := holdingUpstream(t)
	defer release() // before the host's shutdown waits for the held request
	fast := okUpstream(t)
	th := startHost(t, func(c *host.Config) {
		c.Limits.MaxInstances = 1
		c.Limits.QueueTimeout = host.Duration(200 * time.Millisecond)
	})
	expectStatus(t, th.adminDo("PUT", "/v1/keysets/demo", []byte(demoJWKS())), 201)
	th.upload("pass", testwasm.Pass)
	filters := `[{"plugin":"pass"},{"plugin":"jwt-auth","config":{"keyset":"demo"},"keysets":["demo"]},` +
		`{"plugin":"circuit-breaker","config":{"name":"b","consecutive_failures":1,"failure_ratio":0}}]`
	th.route("slow", `{"path":"/slow","filters":`+filters+`,"upstream":{"targets":["`+slow.URL+`"]}}`)
	th.route("fast", `{"path":"/fast","filters":`+filters+`,"upstream":{"targets":["`+fast.URL+`"]}}`)
	auth := "Bearer " + token(t, map[string]any{"sub": "ann"})

	done := make(chan resp, 1)
	go func() {
		req, _ := http.NewRequest("GET", th.base+"/slow", nil)
		req.Header.Set("Authorization", auth)
		res, err := th.client.Do(req)
		if err != nil {
			done <- resp{}
			return
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		done <- resp{status: res.StatusCode, body: b}
	}()
	select {
	case <-arrived: // the slow request passed the filters and waits upstream
	case r := <-done:
		t.Fatalf("the slow request never reached its upstream: %d %s", r.status, r.body)
	}
	expectStatus(t, th.get("/fast", "Authorization", auth), 200)
	release()
	expectStatus(t, <-done, 200)
	// The breaker was told both outcomes, on whichever instance ran them.
	var list struct {
		Breakers []struct {
			State    string
			Requests int
		}
	}
	th.adminDo("GET", "/v1/breakers", nil).json(t, &list)
	if len(list.Breakers) != 1 || list.Breakers[0].State != "closed" || list.Breakers[0].Requests != 2 {
		t.Fatalf("breakers %+v", list)
	}
}

// TestFailOpenPoolBusyFailsClosed: an open filter whose pool is exhausted
// is not skipped: the request gets 503 plugin_busy with Retry-After.
// (addheader exports on_response, so its instance is held while the
// upstream runs, which exhausts a pool of one deterministically.)
func TestFailOpenPoolBusyFailsClosed(t *testing.T) {
	slow, arrived, release := holdingUpstream(t)
	defer release() // before the host's shutdown waits for the held request
	fast := okUpstream(t)
	th := startHost(t, func(c *host.Config) {
		c.Limits.MaxInstances = 1
		c.Limits.QueueTimeout = host.Duration(100 * time.Millisecond)
	})
	th.upload("addheader", testwasm.AddHeader)
	th.route("hold", `{"path":"/hold","filters":[{"plugin":"addheader"}],"upstream":{"targets":["`+slow.URL+`"]}}`)
	th.route("open", `{"path":"/open","filters":[{"plugin":"addheader","failure":"open"}],"upstream":{"targets":["`+fast.URL+`"]}}`)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if res, err := th.client.Get(th.base + "/hold"); err == nil {
			res.Body.Close()
		}
	}()
	<-arrived
	r := th.get("/open")
	expectStatus(t, r, http.StatusServiceUnavailable)
	if code := r.errorCode(t); code != "plugin_busy" || r.header.Get("Retry-After") == "" {
		t.Fatalf("code %q, Retry-After %q", code, r.header.Get("Retry-After"))
	}
	release()
	<-done
	expectStatus(t, th.get("/open"), 200)
}

// TestFailOpenJWTAuthOverloadedFailsClosed: with the host's instance budget
// used up, a request without a token does not pass an open jwt-auth: it
// gets 503 host_overloaded with Retry-After.
func TestFailOpenJWTAuthOverloadedFailsClosed(t *testing.T) {
	slow, arrived, release := holdingUpstream(t)
	defer release() // before the host's shutdown waits for the held request
	fast := okUpstream(t)
	th := startHost(t, func(c *host.Config) {
		c.Limits.MaxTotalInstances = 2
		c.Limits.MaxCallsPerInstance = 1 // every request needs a new instance
		c.Limits.QueueTimeout = host.Duration(100 * time.Millisecond)
	})
	expectStatus(t, th.adminDo("PUT", "/v1/keysets/demo", []byte(demoJWKS())), 201)
	th.upload("addheader", testwasm.AddHeader)
	th.route("hold", `{"path":"/hold","filters":[{"plugin":"addheader"}],"upstream":{"targets":["`+slow.URL+`"]}}`)
	th.route("api", `{"path":"/api","filters":[{"plugin":"jwt-auth","failure":"open","config":{"keyset":"demo"},"keysets":["demo"]}],"upstream":{"targets":["`+fast.URL+`"]}}`)
	expectStatus(t, th.get("/api"), 401) // uses (and retires) jwt-auth's first instance

	var done [2]chan struct{}
	for i := range done { // two held addheader instances: the whole budget
		done[i] = make(chan struct{})
		go func() {
			defer close(done[i])
			if res, err := th.client.Get(th.base + "/hold"); err == nil {
				res.Body.Close()
			}
		}()
		<-arrived
	}
	r := th.get("/api")
	expectStatus(t, r, http.StatusServiceUnavailable)
	if code := r.errorCode(t); code != "host_overloaded" || r.header.Get("Retry-After") == "" {
		t.Fatalf("code %q, Retry-After %q", code, r.header.Get("Retry-After"))
	}
	release()
	for _, d := range done {
		<-d
	}
	expectStatus(t, th.get("/api"), 401)
}

// TestFailOpenQuarantineFailsClosed: an open filter that keeps trapping is
// skipped while it fails on its own, but once quarantined it fails closed,
// so a client that can make a filter trap cannot switch it off for all.
func TestFailOpenQuarantineFailsClosed(t *testing.T) {
	fast := okUpstream(t)
	th := startHost(t, func(c *host.Config) {
		c.Limits.Quarantine.After = 3
		c.Limits.Quarantine.Backoff = host.Duration(time.Hour)
		c.Limits.Quarantine.MaxBackoff = host.Duration(time.Hour)
	})
	th.upload("trap", testwasm.Trap)
	th.route("open", `{"path":"/open","filters":[{"plugin":"trap","failure":"open"}],"upstream":{"targets":["`+fast.URL+`"]}}`)
	for range 3 {
		expectStatus(t, th.get("/open"), 200) // the filter's own trap: skipped
	}
	r := th.get("/open")
	expectStatus(t, r, http.StatusServiceUnavailable)
	if code := r.errorCode(t); code != "plugin_quarantined" {
		t.Fatalf("code %q", code)
	}
}

// TestRequestStateAcrossInstances: a filter with any_instance_response gives
// its instance back after on_request, so with a pool of one the same binding
// can appear twice in a chain; each element's request state is its own,
// starts empty on every request, and reaches its on_response.
func TestRequestStateAcrossInstances(t *testing.T) {
	fast := okUpstream(t)
	th := startHost(t, func(c *host.Config) {
		c.Limits.MaxInstances = 1
		c.Limits.QueueTimeout = host.Duration(200 * time.Millisecond)
	})
	th.upload("reqstate", testwasm.ReqState)
	th.upload("hello", testwasm.Hello)
	th.route("twice", `{"path":"/twice","filters":[{"plugin":"reqstate"},{"plugin":"reqstate"}],"handler":{"plugin":"hello"}}`)
	th.route("proxied", `{"path":"/proxied","filters":[{"plugin":"reqstate"}],"upstream":{"targets":["`+fast.URL+`"]}}`)
	for range 3 {
		r := th.get("/twice")
		expectStatus(t, r, 200)
		if got := r.header.Values("X-State"); len(got) != 2 || got[0] != "kept" || got[1] != "kept" {
			t.Fatalf("X-State %q, want kept twice", got)
		}
		r = th.get("/proxied")
		expectStatus(t, r, 200)
		if got := r.header.Values("X-State"); len(got) != 1 || got[0] != "kept" {
			t.Fatalf("X-State %q, want kept once", got)
		}
	}
}
