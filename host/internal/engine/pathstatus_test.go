package engine

import (
	"encoding/binary"
	"testing"

	"github.com/hostd/hostd/abi"
	"github.com/hostd/hostd/internal/testwasm"
)

// runPathStatus runs the pathstatus fixture with status and path as its
// config and returns what set_status, set_path and send_response returned
// (c is ok when the fixture's first send_response succeeded).
func runPathStatus(t *testing.T, p *Pool, status uint32, path string) (a, b, c abi.Status, ex *Exchange) {
	t.Helper()
	ex = newExchange(1 << 20)
	t.Cleanup(ex.Release)
	onRequest(t, p, ex)
	got := u32s(ex.Body.Bytes())
	switch len(got) {
	case 2:
		return abi.Status(got[0]), abi.Status(got[1]), abi.StatusOK, ex
	case 3:
		return abi.Status(got[0]), abi.Status(got[1]), abi.Status(got[2]), ex
	}
	t.Fatalf("fixture answered %v", got)
	return
}

func pathStatusPool(t *testing.T, status uint32, path string) *Pool {
	t.Helper()
	cfg := binary.LittleEndian.AppendUint32(nil, status)
	return newPool(t, newEngine(t, Config{}), testwasm.Get("pathstatus"), Binding{Plugin: "ps", Config: append(cfg, path...)})
}

// TestStatusIsAFinalHTTPStatus is issue 9 hole 8: set_status and
// send_response took 600..999, which have no HTTP class.
func TestStatusIsAFinalHTTPStatus(t *testing.T) {
	for _, tc := range []struct {
		status uint32
		ok     bool
	}{
		{100, false}, {101, false}, {199, false}, {200, true}, {204, true}, {418, true},
		{599, true}, {600, false}, {999, false}, {1000, false}, {0, false}, {1 << 31, false},
	} {
		a, _, c, ex := runPathStatus(t, pathStatusPool(t, tc.status, "/ok"), tc.status, "/ok")
		want := abi.StatusOK
		if !tc.ok {
			want = abi.StatusInvalidArgument
		}
		if a != want || c != want {
			t.Errorf("status %d: set_status %v, send_response %v, want %v", tc.status, a, c, want)
		}
		if wantStatus := map[bool]int{true: int(tc.status), false: 200}[tc.ok]; ex.Status != wantStatus {
			t.Errorf("status %d: response status %d, want %d", tc.status, ex.Status, wantStatus)
		}
	}
}

// TestSetPathRefusesAmbiguousPaths is issue 9 hole 8: set_path took
// "//host/x" and dot segments, which a target resolves to another path or
// reads as an authority.
func TestSetPathRefusesAmbiguousPaths(t *testing.T) {
	bad := []string{
		"", "v2", "//evil.example/x", "//", "/.", "/..", "/a/./b", "/a/../b", "/a/..",
		"/%2e%2e/admin", "/%2E%2E/admin", "/.%2e/admin", "/%2E./admin", "/a/%2e", "/a/%2e/b",
		"/a\\..\\b", "/a\\b", "/a%5cb", "/a%5C..%5Cb", "/a\tb", "/a\x01b", "/a\x7fb", "/a%00b",
		"/a%0d%0aX:1", "/a%1Fb", "/a%7fb", "/a b", "/a?b", "/a#b", "/a\x00", "/a\r\nb",
		"/a%zz", // not a valid escape: url.Parse refuses it
	}
	for _, path := range bad {
		_, b, _, ex := runPathStatus(t, pathStatusPool(t, 200, path), 200, path)
		if b != abi.StatusInvalidArgument {
			t.Errorf("set_path(%q) = %v, want invalid_argument", path, b)
		}
		if got := ex.Request.URL.EscapedPath(); got != "/x" {
			t.Errorf("set_path(%q) was refused but the path is now %q", path, got)
		}
	}
	good := []string{"/", "/v2/ping", "/a//b", "/.well-known/x", "/a/...", "/a/..b", "/a/b.", "/%2e%2e%2e",
		"/a%2Fb", "/a%20b", "/caf%C3%A9", "/a/b/"}
	for _, path := range good {
		_, b, _, ex := runPathStatus(t, pathStatusPool(t, 200, path), 200, path)
		if b != abi.StatusOK {
			t.Errorf("set_path(%q) = %v, want ok", path, b)
			continue
		}
		if got := ex.Request.URL.EscapedPath(); got != path {
			t.Errorf("set_path(%q): path is %q", path, got)
		}
	}
}
