package main

import (
	"encoding/json"
	"testing"

	"github.com/hostd/hostd/abi"
	"github.com/hostd/hostd/sdk/sdktest"
)

const fullConfig = `{
	"require": {"X-Api-Key": "secret", "X-Tenant": ""},
	"deny": ["X-Debug"],
	"deny_status": 401,
	"set_request": {"X-From": "filter"},
	"set_response": {"X-Filtered": "yes"}
}`

// configured returns a Host whose plugin accepted config.
func configured(t *testing.T, config string) *sdktest.Host {
	t.Helper()
	h := sdktest.New(t)
	h.Config = []byte(config)
	if st := h.CallConfigure(); st != abi.StatusOK {
		t.Fatalf("configure: %v (logs %v)", st, h.Logs)
	}
	return h
}

func TestFilter(t *testing.T) {
	tests := []struct {
		name    string
		headers map[string]string
		denied  string // expected message; "" means the request passes
	}{
		{"passes", map[string]string{"X-Api-Key": "secret", "X-Tenant": "t1"}, ""},
		{"header names are case-insensitive", map[string]string{"x-api-key": "secret", "x-tenant": "t1"}, ""},
		{"missing key", map[string]string{"X-Tenant": "t1"}, "missing required header X-Api-Key"},
		{"wrong key", map[string]string{"X-Api-Key": "guess", "X-Tenant": "t1"}, "header X-Api-Key has a wrong value"},
		{"key prefix is wrong", map[string]string{"X-Api-Key": "secre", "X-Tenant": "t1"}, "header X-Api-Key has a wrong value"},
		{"any value but present", map[string]string{"X-Api-Key": "secret"}, "missing required header X-Tenant"},
		{"forbidden header", map[string]string{"X-Api-Key": "secret", "X-Tenant": "t1", "X-Debug": "1"}, "header X-Debug is not allowed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := configured(t, fullConfig)
			for k, v := range tc.headers {
				h.Request.Header[k] = []string{v}
			}
			a := h.CallRequest()
			if tc.denied == "" {
				if a != abi.ActionContinue || h.Sent {
					t.Fatalf("action %v sent %v, want continue", a, h.Sent)
				}
				if got := h.Request.Header.Get("X-From"); got != "filter" {
					t.Errorf("X-From = %q", got)
				}
				return
			}
			assertDenied(t, h, a, 401, tc.denied)
			if h.Request.Header.Get("X-From") != "" {
				t.Error("a denied request got set_request headers")
			}
		})
	}
}

func assertDenied(t *testing.T, h *sdktest.Host, a abi.Action, status int, msg string) {
	t.Helper()
	if a != abi.ActionRespond || !h.Sent || h.Response.Status != status {
		t.Fatalf("action %v sent %v status %d, want respond %d", a, h.Sent, h.Response.Status, status)
	}
	if ct := h.Response.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	var body struct {
		Error struct{ Code, Message string }
	}
	if err := json.Unmarshal(h.Response.Body, &body); err != nil {
		t.Fatalf("body %q: %v", h.Response.Body, err)
	}
	if body.Error.Code != "denied" || body.Error.Message != msg {
		t.Errorf("error %+v, want denied %q", body.Error, msg)
	}
}

func TestDefaultDenyStatus(t *testing.T) {
	h := configured(t, `{"require": {"Authorization": ""}}`)
	assertDenied(t, h, h.CallRequest(), 403, "missing required header Authorization")
}

func TestEmptyConfigPassesEverything(t *testing.T) {
	h := configured(t, `{}`)
	h.Request.Header.Set("X-Debug", "1")
	if a := h.CallRequest(); a != abi.ActionContinue || h.Sent {
		t.Errorf("action %v sent %v", a, h.Sent)
	}
	h.CallResponse()
	if len(h.Response.Header) != 0 {
		t.Errorf("response headers %v", h.Response.Header)
	}
}

func TestResponseHeaders(t *testing.T) {
	h := configured(t, `{"set_response": {"X-Filtered": "yes", "Cache-Control": "no-store"}}`)
	h.Response.Header.Set("X-Filtered", "upstream")
	h.CallRequest()
	h.CallResponse()
	if got := h.Response.Header.Values("X-Filtered"); len(got) != 1 || got[0] != "yes" {
		t.Errorf("X-Filtered = %q", got)
	}
	if got := h.Response.Header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control = %q", got)
	}
}

func TestManagedHeaderIsLoggedNotFatal(t *testing.T) {
	h := configured(t, `{"set_request": {"Content-Length": "1", "X-Ok": "1"}}`)
	if a := h.CallRequest(); a != abi.ActionContinue {
		t.Errorf("action %v", a)
	}
	if !h.Logged(abi.LogLevelWarn, "Content-Length") || h.Request.Header.Get("X-Ok") != "1" {
		t.Errorf("logs %v, headers %v", h.Logs, h.Request.Header)
	}
}

func TestInvalidConfig(t *testing.T) {
	for _, config := range []string{
		`[]`,
		`"x"`,
		`{"require": ["X-Api-Key"]}`,
		`{"require": {"bad name": "v"}}`,
		`{"set_request": {"X-A": "line\nbreak"}}`,
		`{"set_response": {"": "v"}}`,
		`{"deny": ["X:Y"]}`,
		`{"deny_status": 200}`,
		`{"deny_status": 600}`,
		`{"deny_status": "403"}`,
		`{"unknown": true}`,
	} {
		t.Run(config, func(t *testing.T) {
			h := sdktest.New(t)
			h.Config = []byte(config)
			if st := h.CallConfigure(); st != abi.StatusInvalidArgument {
				t.Errorf("status %v, want invalid_argument", st)
			}
			if !h.Logged(abi.LogLevelError, "headerfilter: configuration:") {
				t.Errorf("logs %v", h.Logs)
			}
		})
	}
}

// TestRejectedConfigClearsPrevious checks that an instance whose new
// configuration was rejected does not keep filtering with the old one.
func TestRejectedConfigClearsPrevious(t *testing.T) {
	h := configured(t, fullConfig)
	h.Config = []byte(`{"deny_status": 1}`)
	h.CallConfigure()
	if cfg.require != nil || cfg.setRequest != nil {
		t.Errorf("configuration kept after rejection: %+v", cfg)
	}
}
