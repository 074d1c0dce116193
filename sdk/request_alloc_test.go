//go:build !wasm

package sdk

import (
	"testing"

	"github.com/hostd/hostd/abi"
	"github.com/hostd/hostd/sdk/internal/imports"
)

// requestHost answers the request imports from constants without
// allocating, so that AllocsPerRun measures the SDK alone. Other calls
// panic (nil Host).
type requestHost struct{ imports.Host }

// hostPut is a host function writing v into the guest's buffer: all of it
// when it fits, and its length either way (the buffer-limit protocol).
func hostPut(buf []byte, v string) uint32 {
	if len(v) <= len(buf) {
		copy(buf, v)
	}
	return uint32(len(v))
}

func (requestHost) GetRouteVar(name, buf []byte) (bool, uint32) {
	if string(name) != "name" {
		return false, 0
	}
	return true, hostPut(buf, "bob")
}

func (requestHost) GetQuery(buf []byte) uint32 { return hostPut(buf, "x=1&name=J%C3%BCrgen+X") }
func (requestHost) GetPath(buf []byte) uint32  { return hostPut(buf, "/hello/bob") }

func (requestHost) GetHeader(_ abi.HeaderKind, name, buf []byte) (bool, uint32) {
	if string(name) != "X-Api-Key" {
		return false, 0
	}
	return true, hostPut(buf, "k-123")
}

func (requestHost) SetHeader(abi.HeaderKind, []byte, []byte) abi.Status { return abi.StatusOK }
func (requestHost) SendResponse(uint32, []byte) abi.Status              { return abi.StatusOK }

// TestRequestPathDoesNotAllocate pins that the Append getters, Header.Set
// of constants, SetBytes and Send of a reused buffer allocate nothing once
// the buffer has grown: a handler written with them (examples/hello)
// leaves the guest's garbage collector nothing to do per request.
func TestRequestPathDoesNotAllocate(t *testing.T) {
	defer imports.SetHost(requestHost{})()
	var req Request
	var resp Response
	buf := make([]byte, 0, 128)
	handle := func() {
		buf = append(buf[:0], "hello, "...)
		n := len(buf)
		var ok bool
		if buf, ok = req.AppendRouteVar(buf, "name"); !ok || string(buf[n:]) != "bob" {
			t.Fatalf("AppendRouteVar: %q %v", buf[n:], ok)
		}
		if buf, ok = req.AppendQueryParam(buf[:n], "name"); !ok || string(buf[n:]) != "Jürgen X" {
			t.Fatalf("AppendQueryParam: %q %v", buf[n:], ok)
		}
		if buf, ok = req.AppendQueryParam(buf, "missing"); ok {
			t.Fatal("AppendQueryParam found a missing parameter")
		}
		if buf, ok = req.Header().AppendValue(buf[:n], "X-Api-Key"); !ok || string(buf[n:]) != "k-123" {
			t.Fatalf("AppendValue: %q %v", buf[n:], ok)
		}
		buf = req.AppendPath(buf[:n])
		buf = req.AppendQuery(buf)
		if err := resp.Header().Set("Content-Type", "text/plain; charset=utf-8"); err != nil {
			t.Fatal(err)
		}
		if err := resp.Header().SetBytes("X-Name", buf[n:]); err != nil {
			t.Fatal(err)
		}
		if err := resp.Send(200, buf); err != nil {
			t.Fatal(err)
		}
	}
	if n := testing.AllocsPerRun(100, handle); n != 0 {
		t.Errorf("%v allocations per request", n)
	}
	// The string getters allocate their result, and only that.
	if n := testing.AllocsPerRun(100, func() {
		if v, ok := req.RouteVar("name"); !ok || v != "bob" {
			t.Fatalf("RouteVar: %q %v", v, ok)
		}
	}); n != 1 {
		t.Errorf("RouteVar: %v allocations, want 1", n)
	}
}
