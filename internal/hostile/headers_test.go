package hostile

import (
	"bytes"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/hostd/hostd/internal/hostile/wabt"
)

// TestResponseHeaderBomb: a guest adds 16 values of 16 MiB to one response
// header (the issue saw 256 MiB of headers sent), and one adds 65536 small
// values. The client must receive a response whose header block is under
// MaxResponseHeaderBytes, read with a bounded reader, and hostd must live.
func TestResponseHeaderBomb(t *testing.T) {
	cases := []struct {
		name        string
		count, size int
	}{{"16_values_of_16MiB", 16, 16 << 20}, {"65536_values_of_16B", 65536, 16}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := setup(t, nil)
			h.MustUpload("hdr", wabt.Compile(t, HeaderBombWAT(c.count, c.size)))
			h.MustRoute("hdr", "/hdr", "hdr", nil)
			w := h.WatchHealth(100 * time.Millisecond)
			status, n, err := rawHeaders(h.DataURL, "/hdr", 2*MaxResponseHeaderBytes, 10*time.Second)
			healthz, api := w.Stop()
			checkWatch(t, healthz, api)
			t.Logf("%d values of %d bytes: status line %q, header block %d bytes, %v", c.count, c.size, status, n, err)
			if err != nil || n >= MaxResponseHeaderBytes {
				t.Errorf("header bomb %s: want a response with a header block under %d bytes, got status %q, %d bytes read, error %v",
					c.name, MaxResponseHeaderBytes, status, n, err)
			}
			checkAlive(t, h, "after the header bomb")
		})
	}
}

// rawHeaders sends GET path on a new connection and reads the response's
// header block (up to the empty line), never more than limit bytes and
// never longer than timeout. It returns the status line and the block's
// size.
func rawHeaders(base, path string, limit int, timeout time.Duration) (string, int, error) {
	addr := strings.TrimPrefix(base, "http://")
	conn, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return "", 0, err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(timeout))
	if _, err := fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", path, addr); err != nil {
		return "", 0, err
	}
	var buf []byte
	chunk := make([]byte, 64<<10)
	for len(buf) < limit {
		n, err := conn.Read(chunk)
		buf = append(buf, chunk[:n]...)
		if i := bytes.Index(buf, []byte("\r\n\r\n")); i >= 0 {
			return statusLine(buf), i + 4, nil
		}
		if err != nil {
			return statusLine(buf), len(buf), fmt.Errorf("connection ended before the end of the headers: %w", err)
		}
	}
	return statusLine(buf), len(buf), fmt.Errorf("no end of headers within %d bytes", limit)
}

func statusLine(b []byte) string {
	if i := bytes.Index(b, []byte("\r\n")); i >= 0 {
		return string(b[:i])
	}
	return string(b[:min(len(b), 80)])
}
