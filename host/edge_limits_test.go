package host_test

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hostd/hostd/host"
	"github.com/hostd/hostd/internal/testwasm"
)

// The edge: every test talks to a real hostd over loopback with raw bytes,
// so what the listener does with a hostile client is what is tested.

func dialData(t *testing.T, th *testHost) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(th.base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// readStatus reads one response from c within bound.
func readStatus(t *testing.T, c net.Conn, bound time.Duration) (int, string, error) {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(bound))
	r, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return 0, "", err
	}
	defer r.Body.Close()
	b, _ := io.ReadAll(r.Body)
	return r.StatusCode, string(b), nil
}

// openConnections reads hostd_connections_open{listener="data"}.
func openConnections(t *testing.T, th *testHost) int {
	t.Helper()
	r := th.adminDo("GET", "/metrics", nil)
	expectStatus(t, r, 200)
	m := regexp.MustCompile(`(?m)^hostd_connections_open\{listener="data"\} (\d+)$`).FindSubmatch(r.body)
	if m == nil {
		t.Fatalf("no hostd_connections_open in /metrics")
	}
	n, _ := strconv.Atoi(string(m[1]))
	return n
}

// waitOpen waits (within a generous bound) until the data listener holds n
// connections.
func waitOpen(t *testing.T, th *testHost, n int) {
	t.Helper()
	for end := time.Now().Add(20 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		got := openConnections(t, th)
		if got == n {
			return
		}
		if time.Now().After(end) {
			t.Fatalf("data listener holds %d connections, want %d", got, n)
		}
	}
}

func TestOversizedHeaderGets431(t *testing.T) {
	th := startHost(t, nil) // default max_header_bytes: 64 KiB
	send := func(n int) (int, string, error) {
		c := dialData(t, th)
		go func() {
			_, _ = fmt.Fprintf(c, "GET /x HTTP/1.1\r\nHost: a\r\nX-Big: %s\r\n\r\n", strings.Repeat("a", n))
		}()
		return readStatus(t, c, 30*time.Second)
	}
	status, body, err := send(80 << 10)
	if err != nil || status != http.StatusRequestHeaderFieldsTooLarge || body == "" {
		t.Fatalf("80 KiB of headers: status %d body %q err %v, want 431 with a body", status, body, err)
	}
	if status, _, err := send(60 << 10); err != nil || status != http.StatusNotFound {
		t.Fatalf("60 KiB of headers: status %d err %v, want 404 no_route", status, err)
	}
}

// TestMalformedRequestGets4xx: net/http answers malformed requests itself,
// before any handler, with a short text body.
func TestMalformedRequestGets4xx(t *testing.T) {
	th := startHost(t, nil)
	for raw, want := range map[string]int{
		"GARBAGE\r\n\r\n": 400,
		"GET /x HTTP/1.1\r\nHost: a\r\nNo colon here\r\n\r\n":                          400,
		"GET /x HTTP/1.1\r\n\r\n":                                                      400, // HTTP/1.1 without Host
		"GET /x HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n": 400,
		"GET /x HTTP/1.1\r\nHost: a\r\nX\x00: y\r\n\r\n":                               400,
		"GET /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n":                501,
		"GET /x HTTP/9.9\r\nHost: a\r\n\r\n":                                           505,
	} {
		c := dialData(t, th)
		if _, err := io.WriteString(c, raw); err != nil {
			t.Fatal(err)
		}
		if status, body, err := readStatus(t, c, 30*time.Second); err != nil || status != want || body == "" {
			t.Errorf("%q: status %d body %q err %v, want %d with a body", raw, status, body, err, want)
		}
	}
}

// TestSlowHeadersAreCut: a client trickling header lines (slowloris) is
// disconnected when read_header_timeout runs out, however often it sends.
func TestSlowHeadersAreCut(t *testing.T) {
	th := startHost(t, func(c *host.Config) { c.Server.ReadHeaderTimeout = host.Duration(300 * time.Millisecond) })
	c := dialData(t, th)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		if _, err := io.WriteString(c, "GET /x HTTP/1.1\r\nHost: a\r\n"); err != nil {
			return
		}
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-time.After(50 * time.Millisecond):
			}
			if _, err := fmt.Fprintf(c, "X-Slow-%d: b\r\n", i); err != nil {
				return
			}
		}
	}()
	// The bound is generous: 300 ms is what hostd is configured with.
	status, _, err := readStatus(t, c, 20*time.Second)
	var ne net.Error
	switch {
	case err == nil && status == http.StatusRequestTimeout:
	case err == nil:
		t.Fatalf("slow client got %d, want the connection closed or 408", status)
	case errors.As(err, &ne) && ne.Timeout():
		t.Fatal("the slow client was still connected long after read_header_timeout")
	}
}

// TestConnectionCap: with server.max_connections 2, two clients that send
// nothing hold both slots; a third, healthy one waits in the accept queue
// and is served as soon as one of the two leaves.
func TestConnectionCap(t *testing.T) {
	th := startHost(t, func(c *host.Config) {
		c.Server.MaxConnections = 2
		c.Server.ReadHeaderTimeout = host.Duration(time.Minute) // the idle two must not be cut during the test
	})
	idle1, idle2 := dialData(t, th), dialData(t, th)
	_ = idle2
	waitOpen(t, th, 2)
	c := dialData(t, th) // the kernel completes the handshake; hostd does not accept it
	if _, err := io.WriteString(c, "GET /x HTTP/1.1\r\nHost: a\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := readStatus(t, c, 300*time.Millisecond); err == nil {
		t.Fatal("a third connection was served past max_connections 2")
	}
	if n := openConnections(t, th); n != 2 {
		t.Fatalf("%d connections open, cap 2", n)
	}
	idle1.Close()
	if status, _, err := readStatus(t, c, 20*time.Second); err != nil || status != http.StatusNotFound {
		t.Fatalf("queued request: status %d err %v, want 404 once a slot freed", status, err)
	}
}

// TestRouteBodyLimit: a route's max_body_bytes answers 413 body_too_large,
// whether the body is declared (Content-Length) or streamed (chunked).
func TestRouteBodyLimit(t *testing.T) {
	sink, seen := headerSink(t)
	th := startHost(t, nil)
	th.upload("hello", testwasm.Hello)
	th.route("up", `{"path":"/up","max_body_bytes":1000,"upstream":{"targets":["`+sink.URL+`"]}}`)
	th.route("wasm", `{"path":"/wasm","max_body_bytes":1000,"handler":{"plugin":"hello"}}`)
	expectStatus(t, th.adminDo("PUT", "/v1/routes/bad", []byte(`{"path":"/bad","max_body_bytes":-1,"handler":{"plugin":"hello"}}`)), 400)

	for _, path := range []string{"/up", "/wasm"} {
		r := th.do("POST", th.base+path, "", make([]byte, 2000))
		expectStatus(t, r, 413)
		if c := r.errorCode(t); c != "body_too_large" {
			t.Errorf("%s: code %q", path, c)
		}
	}
	chunked := func(n int) (int, string) {
		c := dialData(t, th)
		go func() {
			_, _ = fmt.Fprintf(c, "POST /up HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n%x\r\n%s\r\n0\r\n\r\n",
				n, strings.Repeat("b", n))
		}()
		status, body, err := readStatus(t, c, 30*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		return status, body
	}
	if status, body := chunked(2000); status != 413 || !strings.Contains(body, `"body_too_large"`) {
		t.Errorf("chunked 2000 bytes: %d %s, want 413 body_too_large", status, body)
	}
	if status, _ := chunked(900); status != 204 || seen() == nil {
		t.Errorf("chunked 900 bytes: %d, want the upstream's 204", status)
	}
	expectStatus(t, th.do("POST", th.base+"/wasm", "", make([]byte, 900)), 200)
}

// TestIdleConnectionMemory holds 1000 connections that send nothing and
// logs what they cost (go test -v -run TestIdleConnectionMemory ./host/);
// the figure is in docs/security/edge.md. The test checks that they are
// all held and that a request is still served beside them.
func TestIdleConnectionMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("1000 connections")
	}
	const n = 1000
	th := startHost(t, func(c *host.Config) { c.Server.ReadHeaderTimeout = host.Duration(time.Minute) })
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	conns := make([]net.Conn, 0, n)
	for range n {
		conns = append(conns, dialData(t, th))
	}
	waitOpen(t, th, n)
	runtime.GC()
	runtime.ReadMemStats(&after)
	used := int64(after.HeapInuse+after.StackInuse) - int64(before.HeapInuse+before.StackInuse)
	t.Logf("%d idle connections: %d KiB heap+stack in use (%d bytes each, client ends included), %d goroutines",
		n, used>>10, used/n, runtime.NumGoroutine())
	expectStatus(t, th.get("/x"), 404)
	for _, c := range conns {
		c.Close()
	}
}
