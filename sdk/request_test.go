package sdk_test

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/hostd/hostd/abi"
	"github.com/hostd/hostd/sdk"
	"github.com/hostd/hostd/sdk/sdktest"
)

// serve registers f as the request handler and runs on_request on h.
func serve(t *testing.T, h *sdktest.Host, f func(req sdk.Request, resp sdk.Response) sdk.Action) sdk.Action {
	t.Helper()
	sdk.HandleRequest(f)
	return h.CallRequest()
}

func TestRequestGetters(t *testing.T) {
	h := sdktest.New(t)
	h.Request.Method = "PROPFIND"
	h.Request.Path = "/a%20b/c"
	h.Request.Query = "q=x+y&name=J%C3%BCrgen"
	h.Request.Vars = map[string]string{"id": "42"}
	h.Request.RemoteAddr = "198.51.100.7:5555"
	h.Request.ID = "rid-1"
	h.Request.Body = []byte("payload")
	var got []string
	serve(t, h, func(req sdk.Request, _ sdk.Response) sdk.Action {
		q, _ := req.QueryParam("q")
		name, _ := req.QueryParam("name")
		_, missing := req.QueryParam("nope")
		id, _ := req.RouteVar("id")
		_, noVar := req.RouteVar("other")
		body, err := req.Body()
		if err != nil {
			t.Errorf("Body: %v", err)
		}
		got = []string{req.Method(), req.Path(), req.Query(), q, name, id, req.RemoteAddr(),
			req.RequestID(), string(body), boolStr(missing || noVar)}
		return sdk.Continue
	})
	want := []string{"PROPFIND", "/a%20b/c", "q=x+y&name=J%C3%BCrgen", "x y", "Jürgen", "42",
		"198.51.100.7:5555", "rid-1", "payload", "false"}
	if !slices.Equal(got, want) {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

func boolStr(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

func TestRequestSetters(t *testing.T) {
	h := sdktest.New(t)
	var errs []error
	serve(t, h, func(req sdk.Request, _ sdk.Response) sdk.Action {
		errs = append(errs,
			req.SetPath("/rewritten"), req.SetQuery("a=1"), req.SetBody([]byte("new")),
			req.SetPath("no-slash"), req.SetQuery("bad#frag"))
		return sdk.Continue
	})
	want := []error{nil, nil, nil, sdk.ErrInvalidArgument, sdk.ErrInvalidArgument}
	if !slices.Equal(errs, want) {
		t.Errorf("errors %v, want %v", errs, want)
	}
	if h.Request.Path != "/rewritten" || h.Request.Query != "a=1" || string(h.Request.Body) != "new" {
		t.Errorf("request after setters: %+v", h.Request)
	}
}

// TestLargeValuesGrowScratch reads values far larger than the SDK's initial
// buffer, so every getter must follow the buf_limit retry protocol.
func TestLargeValuesGrowScratch(t *testing.T) {
	h := sdktest.New(t)
	big := strings.Repeat("v", 5000)
	bigBody := bytes.Repeat([]byte("b"), 300_000)
	h.Request.Path = "/" + big
	h.Request.Header.Set("X-Big", big)
	h.Request.Header.Add("X-Multi", big)
	h.Request.Header.Add("X-Multi", "short")
	h.Request.Vars = map[string]string{"v": big}
	h.Request.Body = bigBody
	serve(t, h, func(req sdk.Request, _ sdk.Response) sdk.Action {
		if req.Path() != "/"+big {
			t.Error("path lost")
		}
		if v, ok := req.Header().Get("x-big"); !ok || v != big {
			t.Errorf("header: %d bytes, %v", len(v), ok)
		}
		if vs := req.Header().Values("X-Multi"); !slices.Equal(vs, []string{big, "short"}) {
			t.Errorf("values: %d", len(vs))
		}
		if v, _ := req.RouteVar("v"); v != big {
			t.Error("route var lost")
		}
		if b, err := req.Body(); err != nil || !bytes.Equal(b, bigBody) {
			t.Errorf("body: %d bytes, %v", len(b), err)
		}
		return sdk.Continue
	})
}

func TestBodyTooLarge(t *testing.T) {
	h := sdktest.New(t)
	h.MaxBody = 10
	h.Request.Body = []byte("more than ten bytes")
	serve(t, h, func(req sdk.Request, _ sdk.Response) sdk.Action {
		if _, err := req.Body(); !errors.Is(err, sdk.ErrTooLarge) {
			t.Errorf("Body error %v, want ErrTooLarge", err)
		}
		return sdk.Continue
	})
}

func TestHeaders(t *testing.T) {
	h := sdktest.New(t)
	h.Request.Header.Set("X-Old", "1")
	h.Request.Header.Set("Accept", "text/html")
	var names []string
	var errs []error
	serve(t, h, func(req sdk.Request, _ sdk.Response) sdk.Action {
		hd := req.Header()
		errs = append(errs,
			hd.Set("x-new", "a"), hd.Add("X-New", "b"), hd.Remove("x-old"), hd.Remove("absent"),
			hd.Set("Content-Length", "5"), hd.Set("bad name", "v"), hd.Set("X-Ok", "bad\nvalue"))
		names = hd.Names()
		return sdk.Continue
	})
	wantErrs := []error{nil, nil, nil, nil, sdk.ErrDenied, sdk.ErrInvalidArgument, sdk.ErrInvalidArgument}
	if !slices.Equal(errs, wantErrs) {
		t.Errorf("errors %v, want %v", errs, wantErrs)
	}
	if want := []string{"Accept", "X-New"}; !slices.Equal(names, want) {
		t.Errorf("names %q, want %q", names, want)
	}
	if got := h.Request.Header["X-New"]; !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("X-New = %q", got)
	}
}

func TestHeaderAbsent(t *testing.T) {
	h := sdktest.New(t)
	serve(t, h, func(req sdk.Request, resp sdk.Response) sdk.Action {
		if v, ok := req.Header().Get("X-None"); ok || v != "" {
			t.Errorf("Get absent = %q, %v", v, ok)
		}
		if vs := resp.Header().Values("X-None"); vs != nil {
			t.Errorf("Values absent = %q", vs)
		}
		if ns := resp.Header().Names(); ns != nil {
			t.Errorf("Names of empty map = %q", ns)
		}
		return sdk.Continue
	})
}

func TestNoRequestHandlerResponds500(t *testing.T) {
	h := sdktest.New(t)
	clearRequestHandler()
	if a := h.CallRequest(); a != abi.ActionRespond {
		t.Errorf("action %v, want respond", a)
	}
	if !h.Sent || h.Response.Status != 500 || !strings.Contains(string(h.Response.Body), "no request handler") {
		t.Errorf("response %d %q sent=%v", h.Response.Status, h.Response.Body, h.Sent)
	}
	if !h.Logged(abi.LogLevelError, "no request handler") {
		t.Errorf("no error logged: %v", h.Logs)
	}
}
