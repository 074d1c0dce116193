package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/hostd/hostd/abi"
	"github.com/hostd/hostd/sdk/sdktest"
)

type countBody struct {
	Key   string `json:"key"`
	Count uint64 `json:"count"`
}

// newHost returns a configured Host serving method on key.
func newHost(t *testing.T, kv *sdktest.KV, method, key string) *sdktest.Host {
	t.Helper()
	h := sdktest.New(t)
	if kv != nil {
		h.KV = kv
	}
	h.Request.Method = method
	h.Request.Path = "/count/" + key
	h.Request.Vars = map[string]string{"key": key}
	if st := h.CallConfigure(); st != abi.StatusOK {
		t.Fatalf("configure: %v (logs %v)", st, h.Logs)
	}
	return h
}

// do serves one request and decodes a 200 answer.
func do(t *testing.T, kv *sdktest.KV, method, key string) countBody {
	t.Helper()
	h := newHost(t, kv, method, key)
	if a := h.CallRequest(); a != abi.ActionRespond || !h.Sent {
		t.Fatalf("action %v sent %v", a, h.Sent)
	}
	if h.Response.Status != 200 || h.Response.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("%s %s: %d %v %q", method, key, h.Response.Status, h.Response.Header, h.Response.Body)
	}
	var b countBody
	if err := json.Unmarshal(h.Response.Body, &b); err != nil {
		t.Fatalf("body %q: %v", h.Response.Body, err)
	}
	return b
}

func TestCount(t *testing.T) {
	kv := sdktest.New(t).KV
	steps := []struct {
		method, key string
		want        uint64
	}{
		{"GET", "a", 0},
		{"POST", "a", 1},
		{"POST", "a", 2},
		{"GET", "a", 2},
		{"HEAD", "a", 2},
		{"POST", "b", 1},
		{"GET", "a", 2},
	}
	for _, s := range steps {
		if got := do(t, kv, s.method, s.key); got.Key != s.key || got.Count != s.want {
			t.Errorf("%s %s = %+v, want count %d", s.method, s.key, got, s.want)
		}
	}
	if v, _, _ := kv.Get("count/a"); string(v) != "2" {
		t.Errorf("stored %q", v)
	}
}

// TestKeyIsEscaped checks that any route variable yields valid JSON.
func TestKeyIsEscaped(t *testing.T) {
	for _, key := range []string{`say "hi"\`, "tab\there", "ünï", "bad\xffutf8"} {
		got := do(t, nil, "POST", key)
		want := strings.ToValidUTF8(key, "\uFFFD")
		if got.Key != want || got.Count != 1 {
			t.Errorf("key %q: got %+v", key, got)
		}
	}
}

// TestConcurrentIncrementRetries makes another instance increment the same
// key between this instance's read and its compare-and-swap: the first swap
// conflicts, the retry succeeds, and no increment is lost.
func TestConcurrentIncrementRetries(t *testing.T) {
	kv := sdktest.New(t).KV
	kv.Set("count/k", []byte("5"), 0)
	other := newHost(t, kv, "POST", "k")
	me := newHost(t, kv, "POST", "k")
	interleaved := false
	kv.BeforeWrite = func(string) {
		if interleaved {
			return
		}
		interleaved = true
		other.CallRequest() // runs to completion: 5 → 6
	}
	me.CallRequest()
	var mine, theirs countBody
	json.Unmarshal(me.Response.Body, &mine)
	json.Unmarshal(other.Response.Body, &theirs)
	if theirs.Count != 6 || mine.Count != 7 {
		t.Errorf("other got %+v, me %+v; want 6 and 7", theirs, mine)
	}
	if v, _, _ := kv.Get("count/k"); string(v) != "7" {
		t.Errorf("stored %q, want 7", v)
	}
}

func TestContendedKeyGives503(t *testing.T) {
	h := newHost(t, nil, "POST", "hot")
	h.KV.BeforeWrite = func(key string) { h.KV.Set(key, []byte("1"), 0) } // always someone else first
	h.CallRequest()
	if h.Response.Status != 503 || h.Response.Header.Get("Retry-After") == "" {
		t.Errorf("%d %v %q", h.Response.Status, h.Response.Header, h.Response.Body)
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name   string
		method string
		key    string
		seed   string
		status int
		code   string
	}{
		{"method", "DELETE", "a", "", 405, "method_not_allowed"},
		{"corrupt value", "GET", "a", "not a number", 500, "internal"},
		{"key too long", "POST", strings.Repeat("k", 1020), "", 400, "bad_key"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHost(t, nil, tc.method, tc.key)
			if tc.seed != "" {
				h.KV.Set("count/"+tc.key, []byte(tc.seed), 0)
			}
			h.CallRequest()
			var body struct{ Error struct{ Code string } }
			if err := json.Unmarshal(h.Response.Body, &body); err != nil {
				t.Fatalf("body %q: %v", h.Response.Body, err)
			}
			if h.Response.Status != tc.status || body.Error.Code != tc.code {
				t.Errorf("got %d %q, want %d %q", h.Response.Status, body.Error.Code, tc.status, tc.code)
			}
		})
	}
}

func TestNoKeyVariable(t *testing.T) {
	h := newHost(t, nil, "GET", "x")
	h.Request.Vars = nil
	h.CallRequest()
	if h.Response.Status != 404 {
		t.Errorf("status %d", h.Response.Status)
	}
}

func TestRejectedWithoutKV(t *testing.T) {
	h := sdktest.New(t)
	h.KV.Withheld = true
	if st := h.CallConfigure(); st != abi.StatusInvalidArgument {
		t.Errorf("status %v", st)
	}
	if !h.Logged(abi.LogLevelError, "KV is not available") {
		t.Errorf("logs %v", h.Logs)
	}
}
