package sdk_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/hostd/hostd/abi"
	"github.com/hostd/hostd/sdk"
	"github.com/hostd/hostd/sdk/sdktest"
)

func TestResponseBuild(t *testing.T) {
	h := sdktest.New(t)
	var errs []error
	a := serve(t, h, func(_ sdk.Request, resp sdk.Response) sdk.Action {
		errs = append(errs, resp.SetStatus(201), resp.SetStatus(99), resp.SetStatus(1000),
			resp.SetStatus(100), resp.SetStatus(600), resp.SetStatus(599),
			resp.Header().Set("Content-Type", "text/plain"))
		fmt.Fprintf(resp, "n=%d;", 1) // Response is an io.Writer
		resp.WriteString("done")
		if resp.Status() != 599 {
			t.Errorf("Status() = %d", resp.Status())
		}
		return sdk.Respond
	})
	if a != sdk.Respond || h.Sent {
		t.Errorf("action %v sent %v", a, h.Sent)
	}
	if want := []error{nil, sdk.ErrInvalidArgument, sdk.ErrInvalidArgument,
		sdk.ErrInvalidArgument, sdk.ErrInvalidArgument, nil, nil}; !slices.Equal(errs, want) {
		t.Errorf("errors %v, want %v", errs, want)
	}
	if h.Response.Status != 599 || string(h.Response.Body) != "n=1;done" ||
		h.Response.Header.Get("Content-Type") != "text/plain" {
		t.Errorf("response %+v", h.Response)
	}
}

func TestResponseSend(t *testing.T) {
	h := sdktest.New(t)
	h.Response.Body = []byte("old")
	serve(t, h, func(_ sdk.Request, resp sdk.Response) sdk.Action {
		if err := resp.Send(42, nil); !errors.Is(err, sdk.ErrInvalidArgument) {
			t.Errorf("Send(42) = %v", err)
		}
		if err := resp.Send(403, []byte("no")); err != nil {
			t.Errorf("Send: %v", err)
		}
		return sdk.Continue // send_response ends the chain anyway
	})
	if !h.Sent || h.Response.Status != 403 || string(h.Response.Body) != "no" {
		t.Errorf("sent=%v response %+v", h.Sent, h.Response)
	}
}

func TestOnResponse(t *testing.T) {
	h := sdktest.New(t)
	h.Response.Body = []byte("upstream")
	sdk.HandleResponse(func(req sdk.Request, resp sdk.Response) {
		if req.Path() != "/" {
			t.Errorf("request path in on_response: %q", req.Path())
		}
		b, err := resp.Body()
		if err != nil {
			t.Fatalf("Body: %v", err)
		}
		resp.SetBody(append(b, "+filtered"...))
		resp.Header().Set("X-Filtered", "yes")
	})
	t.Cleanup(func() { sdk.HandleResponse(func(sdk.Request, sdk.Response) {}) })
	h.CallResponse()
	if string(h.Response.Body) != "upstream+filtered" || h.Response.Header.Get("X-Filtered") != "yes" {
		t.Errorf("response %+v", h.Response)
	}
}

func TestUnbufferedResponseBody(t *testing.T) {
	h := sdktest.New(t)
	h.Response.Buffered = false
	var errs []error
	sdk.HandleResponse(func(_ sdk.Request, resp sdk.Response) {
		_, err := resp.Body()
		_, werr := resp.Write([]byte("x"))
		errs = append(errs, err, werr, resp.SetBody(nil))
	})
	h.CallResponse()
	if want := []error{sdk.ErrUnsupported, sdk.ErrUnsupported, sdk.ErrUnsupported}; !slices.Equal(errs, want) {
		t.Errorf("errors %v, want %v", errs, want)
	}
	// Asking for the feature buffers the body, as in hostd.
	sdk.HandleConfigure(func([]byte) error {
		if got := sdk.EnableFeatures(abi.FeatureBufferResponse); !got.IsEnabled(abi.FeatureBufferResponse) {
			t.Errorf("features %v", got)
		}
		return nil
	})
	t.Cleanup(func() { sdk.HandleConfigure(func([]byte) error { return nil }) })
	h.CallConfigure()
	if !h.Response.Buffered {
		t.Error("BufferResponse did not buffer the response")
	}
}
