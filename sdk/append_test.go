package sdk_test

import (
	"strings"
	"testing"

	"github.com/hostd/hostd/sdk"
	"github.com/hostd/hostd/sdk/sdktest"
)

func TestRequestAppendGetters(t *testing.T) {
	h := sdktest.New(t)
	h.Request.Path = "/a%20b/c"
	h.Request.Query = "bad=%zz&name=%zz&name=J%C3%BCrgen+X&empty="
	long := strings.Repeat("v", 3000) // larger than the SDK's first scratch buffer
	h.Request.Vars = map[string]string{"id": "42", "long": long}
	h.Request.Header.Set("X-Api-Key", "k-1")
	type result struct {
		got string
		ok  bool
	}
	var got []result
	add := func(b []byte, ok bool) { got = append(got, result{string(b), ok}) }
	serve(t, h, func(req sdk.Request, _ sdk.Response) sdk.Action {
		buf := make([]byte, 0, 64)
		add(req.AppendRouteVar(append(buf, "id="...), "id"))
		add(req.AppendRouteVar(append(buf, "x"...), "missing"))
		add(req.AppendRouteVar(nil, "long"))
		// The first name has an invalid escape and is skipped, as net/url does.
		add(req.AppendQueryParam(append(buf, "n="...), "name"))
		add(req.AppendQueryParam(append(buf, "e="...), "empty"))
		add(req.AppendQueryParam(append(buf, "m"...), "missing"))
		add(req.AppendQueryParam(append(buf, "b"...), "bad"))
		add(req.AppendPath(append(buf, "p="...)), true)
		add(req.AppendQuery(nil), true)
		add(req.Header().AppendValue(append(buf, "k="...), "x-api-key"))
		add(req.Header().AppendValue(append(buf, "h"...), "X-Missing"))
		return sdk.Continue
	})
	want := []result{{"id=42", true}, {"x", false}, {long, true},
		{"n=Jürgen X", true}, {"e=", true}, {"m", false}, {"b", false},
		{"p=/a%20b/c", true}, {h.Request.Query, true}, {"k=k-1", true}, {"h", false}}
	if len(got) != len(want) {
		t.Fatalf("%d results, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("result %d: %q %v, want %q %v", i, got[i].got, got[i].ok, want[i].got, want[i].ok)
		}
	}
}

func TestHeaderSetBytesCopies(t *testing.T) {
	h := sdktest.New(t)
	serve(t, h, func(_ sdk.Request, resp sdk.Response) sdk.Action {
		buf := []byte("v1")
		if err := resp.Header().SetBytes("X-Tag", buf); err != nil {
			t.Errorf("SetBytes: %v", err)
		}
		copy(buf, "zz") // the host already copied the value
		if err := resp.Header().SetBytes("Bad Name", buf); err != sdk.ErrInvalidArgument {
			t.Errorf("SetBytes of an invalid name: %v", err)
		}
		if err := resp.Header().SetBytes("Content-Length", buf); err != sdk.ErrDenied {
			t.Errorf("SetBytes of a managed header: %v", err)
		}
		body := append([]byte(nil), "hello"...)
		_ = resp.Send(200, body)
		copy(body, "XXXXX") // and the body
		return sdk.Respond
	})
	if v := h.Response.Header.Get("X-Tag"); v != "v1" {
		t.Errorf("X-Tag %q, want v1", v)
	}
	if string(h.Response.Body) != "hello" {
		t.Errorf("body %q", h.Response.Body)
	}
}
