package main

import (
	"strings"
	"testing"

	"github.com/hostd/hostd/abi"
	"github.com/hostd/hostd/sdk"
	"github.com/hostd/hostd/sdk/sdktest"
)

func TestHello(t *testing.T) {
	tests := []struct {
		name   string
		config string
		vars   map[string]string
		query  string
		want   string
	}{
		{"default", "{}", nil, "", "hello, world"},
		{"query name", "{}", nil, "name=Ada+Lovelace", "hello, Ada Lovelace"},
		{"escaped query name", "{}", nil, "x=1&name=J%C3%BCrgen", "hello, Jürgen"},
		{"empty query name", "{}", nil, "name=", "hello, world"},
		{"route var wins over query", "{}", map[string]string{"name": "bob"}, "name=alice", "hello, bob"},
		{"empty route var falls back to query", "{}", map[string]string{"name": ""}, "name=alice", "hello, alice"},
		{"greeting", `{"greeting": "hi"}`, map[string]string{"name": "bob"}, "", "hi, bob"},
		{"empty greeting", `{"greeting": ""}`, nil, "", ", world"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := sdktest.New(t)
			h.Config = []byte(tc.config)
			h.Request.Vars = tc.vars
			h.Request.Query = tc.query
			if st := h.CallConfigure(); st != abi.StatusOK {
				t.Fatalf("configure: %v (logs %v)", st, h.Logs)
			}
			if a := h.CallRequest(); a != abi.ActionRespond {
				t.Errorf("action %v, want respond", a)
			}
			if !h.Sent || h.Response.Status != 200 || string(h.Response.Body) != tc.want {
				t.Errorf("got %d %q (sent %v), want 200 %q", h.Response.Status, h.Response.Body, h.Sent, tc.want)
			}
			if ct := h.Response.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
				t.Errorf("Content-Type %q", ct)
			}
		})
	}
}

func TestInvalidConfig(t *testing.T) {
	tests := []struct {
		config string
		log    string
	}{
		{`[]`, "must be a JSON object"},
		{`"hi"`, "must be a JSON object"},
		{`null`, "must be a JSON object"},
		{`{`, "must be a JSON object"},
		{`{"greeting": 5}`, "greeting must be a string"},
		{`{"greeting": null}`, "greeting must be a string"},
		{`{"greeting": ["hi"]}`, "greeting must be a string"},
		{`{"greting": "hi"}`, `unknown field "greting"`},
	}
	for _, tc := range tests {
		t.Run(tc.config, func(t *testing.T) {
			h := sdktest.New(t)
			h.Config = []byte(tc.config)
			if st := h.CallConfigure(); st != abi.StatusInvalidArgument {
				t.Errorf("status %v, want invalid_argument", st)
			}
			if !h.Logged(abi.LogLevelError, tc.log) {
				t.Errorf("logs %v, want an error containing %q", h.Logs, tc.log)
			}
		})
	}
}

// TestReconfigureResetsGreeting checks that a configuration without a
// greeting does not inherit one parsed before.
func TestReconfigureResetsGreeting(t *testing.T) {
	h := sdktest.New(t)
	h.Config = []byte(`{"greeting": "hi"}`)
	h.CallConfigure()
	h.Config = []byte(`{}`)
	h.CallConfigure()
	h.CallRequest()
	if got := string(h.Response.Body); got != "hello, world" {
		t.Errorf("body %q", got)
	}
}

// TestHandleAllocatesNothing checks that a request costs the plugin no
// allocation of its own: handle allocates exactly what a handler making
// the same host calls with constant arguments does (sdktest's fake host
// allocates when it stores a header or copies a body; the real host does
// that outside the guest). The SDK's own functions are pinned at zero in
// sdk's TestRequestPathDoesNotAllocate.
func TestHandleAllocatesNothing(t *testing.T) {
	ct := "text/plain; charset=utf-8"
	for _, tc := range []struct {
		name  string
		vars  map[string]string
		query string
		body  []byte
	}{
		{"route var", map[string]string{"name": "bob"}, "", []byte("hello, bob")},
		{"query", nil, "x=1&name=Ada+Lovelace", []byte("hello, Ada Lovelace")},
		{"default", nil, "", []byte("hello, world")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := sdktest.New(t)
			h.Config = []byte("{}")
			h.Request.Vars, h.Request.Query = tc.vars, tc.query
			h.CallConfigure()
			// The same host calls as handle, with nothing computed.
			buf := make([]byte, 0, 64)
			same := func(req sdk.Request, resp sdk.Response) sdk.Action {
				if _, ok := req.AppendRouteVar(buf[:0], "name"); !ok {
					req.AppendQueryParam(buf[:0], "name")
				}
				resp.Header().Set("Content-Type", ct)
				resp.Send(200, tc.body)
				return sdk.Respond
			}
			measure := func(f func(sdk.Request, sdk.Response) sdk.Action) float64 {
				sdk.HandleRequest(f)
				defer sdk.HandleRequest(handle)
				h.CallRequest() // buffers grow once
				return testing.AllocsPerRun(50, func() { h.CallRequest() })
			}
			got := measure(handle)
			if string(h.Response.Body) != string(tc.body) {
				t.Fatalf("body %q, want %q", h.Response.Body, tc.body)
			}
			want := measure(same)
			if got != want {
				t.Errorf("handle: %v allocations per request, the same host calls alone %v", got, want)
			}
		})
	}
}
