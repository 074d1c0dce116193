package main

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/hostd/hostd/abi"
	"github.com/hostd/hostd/sdk/sdktest"
)

// admin serves one admin request for key on kv and returns the Host.
func admin(t *testing.T, kv *sdktest.KV, method, key, body string) *sdktest.Host {
	t.Helper()
	h := configured(t, kv, `{"mode":"admin"}`)
	h.Request.Method = method
	h.Request.Path = "/apikeys/" + key
	h.Request.Vars = map[string]string{"key": key}
	h.Request.Body = []byte(body)
	if a := h.CallRequest(); a != abi.ActionRespond || !h.Sent {
		t.Fatalf("%s: action %v sent %v", method, a, h.Sent)
	}
	return h
}

// allowed reports whether the filter lets a request with key through.
func allowed(t *testing.T, kv *sdktest.KV, key string) bool {
	t.Helper()
	h := configured(t, kv, `{}`)
	h.Request.Header.Set("X-Api-Key", key)
	return h.CallRequest() == abi.ActionContinue
}

func TestProvisionAndRevoke(t *testing.T) {
	kv := sdktest.New(t).KV
	if allowed(t, kv, testKey) {
		t.Fatal("key allowed before provisioning")
	}
	h := admin(t, kv, "PUT", testKey, `{"client":"acme","scopes":["read"]}`)
	if h.Response.Status != 201 || h.Response.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("PUT: %d %v %q", h.Response.Status, h.Response.Header, h.Response.Body)
	}
	var got record
	if err := json.Unmarshal(h.Response.Body, &got); err != nil || got.Client != "acme" || !slices.Equal(got.Scopes, []string{"read"}) {
		t.Errorf("PUT body %q: %v", h.Response.Body, err)
	}
	// Only the hash of the key is stored, never the key.
	if keys := kv.Keys(); !slices.Equal(keys, []string{testKV}) {
		t.Errorf("KV keys %q, want %q", keys, testKV)
	}
	if v, _, _ := kv.Get(testKV); strings.Contains(string(v), testKey) {
		t.Errorf("stored value %q holds the key", v)
	}
	if !allowed(t, kv, testKey) {
		t.Fatal("provisioned key denied")
	}

	h = admin(t, kv, "DELETE", testKey, "")
	if h.Response.Status != 204 || len(h.Response.Body) != 0 {
		t.Fatalf("DELETE: %d %q", h.Response.Status, h.Response.Body)
	}
	if allowed(t, kv, testKey) || len(kv.Keys()) != 0 {
		t.Fatalf("revoked key still allowed (keys %q)", kv.Keys())
	}
}

func TestProvisionReplaces(t *testing.T) {
	kv := sdktest.New(t).KV
	admin(t, kv, "PUT", testKey, `{"client":"acme","scopes":["read"]}`)
	h := admin(t, kv, "PUT", testKey, `{"client":"acme"}`)
	if v, _, _ := kv.Get(testKV); h.Response.Status != 201 || string(v) != `{"client":"acme","scopes":[]}` {
		t.Errorf("%d, stored %q", h.Response.Status, v)
	}
}

func TestAdminErrors(t *testing.T) {
	tests := []struct {
		name, method, key, body string
		status                  int
		code                    string
	}{
		{"weak key", "PUT", "short", `{"client":"acme"}`, 400, "weak_key"},
		{"not an object", "PUT", testKey, `["acme"]`, 400, "invalid_body"},
		{"empty body", "PUT", testKey, ``, 400, "invalid_body"},
		{"null", "PUT", testKey, `null`, 400, "invalid_body"},
		{"no client", "PUT", testKey, `{"scopes":["read"]}`, 400, "invalid_body"},
		{"client with newline", "PUT", testKey, `{"client":"a\nb"}`, 400, "invalid_body"},
		{"client not ASCII", "PUT", testKey, `{"client":"acmé"}`, 400, "invalid_body"},
		{"scope with space", "PUT", testKey, `{"client":"a","scopes":["read write"]}`, 400, "invalid_body"},
		{"empty scope", "PUT", testKey, `{"client":"a","scopes":[""]}`, 400, "invalid_body"},
		{"unknown field", "PUT", testKey, `{"client":"a","admin":true}`, 400, "invalid_body"},
		{"trailing data", "PUT", testKey, `{"client":"a"} {}`, 400, "invalid_body"},
		{"revoke unknown", "DELETE", testKey, ``, 404, "unknown_key"},
		{"method", "GET", testKey, ``, 405, "method_not_allowed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := admin(t, nil, tc.method, tc.key, tc.body)
			assertError(t, h, abi.ActionRespond, tc.status, tc.code)
			if len(h.KV.Keys()) != 0 {
				t.Errorf("stored %q", h.KV.Keys())
			}
		})
	}
}

func TestMethodNotAllowedSetsAllow(t *testing.T) {
	h := admin(t, nil, "POST", testKey, `{"client":"a"}`)
	if h.Response.Status != 405 || h.Response.Header.Get("Allow") != "PUT, DELETE" {
		t.Errorf("%d %v", h.Response.Status, h.Response.Header)
	}
}

func TestAdminNoKeyVariable(t *testing.T) {
	h := configured(t, nil, `{"mode":"admin"}`)
	h.Request.Method = "PUT"
	assertError(t, h, h.CallRequest(), 404, "no_key")
}

func TestAdminKVUnavailable(t *testing.T) {
	for _, method := range []string{"PUT", "DELETE"} {
		h := configured(t, nil, `{"mode":"admin"}`)
		h.KV.Withheld = true // every kv_* call now fails
		h.Request.Method = method
		h.Request.Vars = map[string]string{"key": testKey}
		h.Request.Body = []byte(`{"client":"acme"}`)
		assertError(t, h, h.CallRequest(), 503, "unavailable")
		if !h.Logged(abi.LogLevelError, "writing the key store") {
			t.Errorf("%s: logs %v", method, h.Logs)
		}
	}
}

func TestProvisionBodyTooLarge(t *testing.T) {
	h := configured(t, nil, `{"mode":"admin"}`)
	h.Request.Method = "PUT"
	h.Request.Vars = map[string]string{"key": testKey}
	h.Request.Body = []byte(`{"client":"` + strings.Repeat("a", h.MaxBody) + `"}`)
	assertError(t, h, h.CallRequest(), 400, "invalid_body")
	if len(h.KV.Keys()) != 0 {
		t.Errorf("stored %q", h.KV.Keys())
	}
}
