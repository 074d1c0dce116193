package main

import (
	"strings"
	"testing"

	"github.com/hostd/hostd/abi"
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
