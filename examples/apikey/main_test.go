package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/hostd/hostd/abi"
	"github.com/hostd/hostd/sdk/sdktest"
)

const (
	testKey = "k-0123456789abcdef"
	// testKV is "key/" and the SHA-256 of testKey, computed with sha256sum.
	testKV = "key/6b1ed3249bfeaf163cc86042729f1023caea2e1d2f3594407894563fdf054b42"
)

// configured returns a Host whose plugin accepted config, on kv if non-nil.
func configured(t *testing.T, kv *sdktest.KV, config string) *sdktest.Host {
	t.Helper()
	h := sdktest.New(t)
	if kv != nil {
		h.KV = kv
	}
	h.Config = []byte(config)
	if st := h.CallConfigure(); st != abi.StatusOK {
		t.Fatalf("configure: %v (logs %v)", st, h.Logs)
	}
	return h
}

// assertError checks that the chain ended with status and an error code.
func assertError(t *testing.T, h *sdktest.Host, a abi.Action, status int, code string) {
	t.Helper()
	if a != abi.ActionRespond || !h.Sent || h.Response.Status != status {
		t.Fatalf("action %v sent %v status %d, want respond %d (body %q)", a, h.Sent, h.Response.Status, status, h.Response.Body)
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
	if body.Error.Code != code || body.Error.Message == "" {
		t.Errorf("error %+v, want code %q", body.Error, code)
	}
}

func TestFilter(t *testing.T) {
	seed := `{"client":"acme","scopes":["read","write"]}`
	tests := []struct {
		name    string
		config  string
		headers map[string]string
		status  int    // 0: the request passes
		code    string // error code when denied
	}{
		{"passes", `{}`, map[string]string{"X-Api-Key": testKey}, 0, ""},
		{"spoofed client is replaced", `{}`, map[string]string{"X-Api-Key": testKey, "X-Client": "evil"}, 0, ""},
		{"names are case-insensitive", `{}`, map[string]string{"x-api-key": testKey}, 0, ""},
		{"scope present", `{"required_scope":"write"}`, map[string]string{"X-Api-Key": testKey}, 0, ""},
		{"custom key header", `{"header":"Api-Token"}`, map[string]string{"Api-Token": testKey}, 0, ""},
		{"missing key", `{}`, nil, 401, "invalid_api_key"},
		{"empty key", `{}`, map[string]string{"X-Api-Key": ""}, 401, "invalid_api_key"},
		{"unknown key", `{}`, map[string]string{"X-Api-Key": testKey + "x"}, 401, "invalid_api_key"},
		{"key in the wrong header", `{"header":"Api-Token"}`, map[string]string{"X-Api-Key": testKey}, 401, "invalid_api_key"},
		{"scope missing", `{"required_scope":"admin"}`, map[string]string{"X-Api-Key": testKey}, 403, "insufficient_scope"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := configured(t, nil, tc.config)
			h.KV.Set(testKV, []byte(seed), 0)
			for k, v := range tc.headers {
				h.Request.Header[k] = []string{v}
			}
			a := h.CallRequest()
			if tc.status != 0 {
				assertError(t, h, a, tc.status, tc.code)
				return
			}
			if a != abi.ActionContinue || h.Sent {
				t.Fatalf("action %v sent %v (body %q), want continue", a, h.Sent, h.Response.Body)
			}
			if got := h.Request.Header.Values("X-Client"); len(got) != 1 || got[0] != "acme" {
				t.Errorf("X-Client = %q, want acme", got)
			}
		})
	}
}

func TestForwardClientConfig(t *testing.T) {
	h := configured(t, nil, `{"forward_client":"X-Tenant"}`)
	h.KV.Set(testKV, []byte(`{"client":"acme corp","scopes":[]}`), 0)
	h.Request.Header.Set("X-Api-Key", testKey)
	h.Request.Header.Set("X-Client", "untouched")
	if a := h.CallRequest(); a != abi.ActionContinue {
		t.Fatalf("action %v", a)
	}
	if h.Request.Header.Get("X-Tenant") != "acme corp" || h.Request.Header.Get("X-Client") != "untouched" {
		t.Errorf("headers %v", h.Request.Header)
	}

	// "" forwards nothing and leaves the incoming header alone.
	h = configured(t, h.KV, `{"forward_client":""}`)
	h.Request.Header.Set("X-Api-Key", testKey)
	h.Request.Header.Set("X-Client", "untouched")
	if a := h.CallRequest(); a != abi.ActionContinue || h.Request.Header.Get("X-Client") != "untouched" {
		t.Errorf("action %v headers %v", a, h.Request.Header)
	}
}

// TestSpoofedClientRemovedOnDenial checks that the incoming forward header
// is removed before any check.
func TestSpoofedClientRemovedOnDenial(t *testing.T) {
	h := configured(t, nil, `{}`)
	h.Request.Header.Set("X-Client", "evil")
	assertError(t, h, h.CallRequest(), 401, "invalid_api_key")
	if v := h.Request.Header.Values("X-Client"); v != nil {
		t.Errorf("X-Client = %q", v)
	}
}

// TestKVErrorIsNotUnknownKey checks that a failing KV store gives 503, never
// 401: a store outage must not look like a revoked key.
func TestKVErrorIsNotUnknownKey(t *testing.T) {
	h := configured(t, nil, `{}`)
	h.KV.Set(testKV, []byte(`{"client":"acme","scopes":[]}`), 0)
	h.KV.Withheld = true // now every kv_get fails with denied
	h.Request.Header.Set("X-Api-Key", testKey)
	assertError(t, h, h.CallRequest(), 503, "unavailable")
	if h.Response.Header.Get("Retry-After") == "" || !h.Logged(abi.LogLevelError, "reading the key store") {
		t.Errorf("headers %v logs %v", h.Response.Header, h.Logs)
	}
}

func TestCorruptRecord(t *testing.T) {
	for _, v := range []string{`not json`, `{"client":""}`, `{"client":"a\nb"}`, `{"client":"a","scopes":["x y"]}`} {
		h := configured(t, nil, `{}`)
		h.KV.Set(testKV, []byte(v), 0)
		h.Request.Header.Set("X-Api-Key", testKey)
		assertError(t, h, h.CallRequest(), 500, "internal")
		if !h.Logged(abi.LogLevelError, "corrupt record "+testKV) {
			t.Errorf("%s: logs %v", v, h.Logs)
		}
		for _, l := range h.Logs {
			if strings.Contains(l.Message, testKey) {
				t.Errorf("the API key was logged: %q", l.Message)
			}
		}
	}
}

func TestInvalidConfig(t *testing.T) {
	for _, config := range []string{
		`[]`,
		`"x"`,
		`{"header":""}`,
		`{"header":"bad name"}`,
		`{"header":1}`,
		`{"forward_client":"X:Y"}`,
		`{"required_scope":["read"]}`,
		`{"mode":"proxy"}`,
		`{"mode":"admin","header":"X-Key"}`,
		`{"mode":"admin","forward_client":""}`,
		`{"mode":"admin","required_scope":"read"}`,
		`{"unknown":true}`,
	} {
		t.Run(config, func(t *testing.T) {
			h := sdktest.New(t)
			h.Config = []byte(config)
			if st := h.CallConfigure(); st != abi.StatusInvalidArgument {
				t.Errorf("status %v, want invalid_argument", st)
			}
			if !h.Logged(abi.LogLevelError, "apikey: configuration:") {
				t.Errorf("logs %v", h.Logs)
			}
		})
	}
}

// TestRejectedConfigClearsPrevious checks that an instance whose new
// configuration was rejected does not keep the old one (admin mode here).
func TestRejectedConfigClearsPrevious(t *testing.T) {
	h := configured(t, nil, `{"mode":"admin"}`)
	h.Config = []byte(`{"mode":"x"}`)
	h.CallConfigure()
	if cfg != (config{}) {
		t.Errorf("configuration kept after rejection: %+v", cfg)
	}
}

func TestRejectedWithoutKV(t *testing.T) {
	for _, config := range []string{`{}`, `{"mode":"admin"}`} {
		h := sdktest.New(t)
		h.KV.Withheld = true
		h.Config = []byte(config)
		if st := h.CallConfigure(); st != abi.StatusInvalidArgument || !h.Logged(abi.LogLevelError, "KV is not available") {
			t.Errorf("%s: status %v logs %v", config, st, h.Logs)
		}
	}
}

// TestManagedForwardHeaderIsLoggedNotFatal checks that a forward_client the
// host manages (and so no client can forge) is logged and skipped.
func TestManagedForwardHeaderIsLoggedNotFatal(t *testing.T) {
	h := configured(t, nil, `{"forward_client":"Content-Length"}`)
	h.KV.Set(testKV, []byte(`{"client":"acme","scopes":[]}`), 0)
	h.Request.Header.Set("X-Api-Key", testKey)
	if a := h.CallRequest(); a != abi.ActionContinue {
		t.Fatalf("action %v", a)
	}
	if !h.Logged(abi.LogLevelWarn, "remove request header Content-Length") || !h.Logged(abi.LogLevelWarn, "set request header Content-Length") {
		t.Errorf("logs %v", h.Logs)
	}
}
