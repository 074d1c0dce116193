package main

import (
	"encoding/json"
	"testing"
)

func TestLookup(t *testing.T) {
	obj := []byte(` { "sub" : "u1", "n":12.5,"nested":{"sub":"inner","a":[1,"]}"]},` +
		`"esc\u0061ped":true, "arr":[ 1, 2 ], "s": "a\"b", "null": null } `)
	tests := []struct {
		name, want string
		found      bool
	}{
		{"sub", `"u1"`, true},
		{"n", `12.5`, true},
		{"nested", `{"sub":"inner","a":[1,"]}"]}`, true},
		{"escaped", `true`, true},
		{"arr", `[ 1, 2 ]`, true},
		{"s", `"a\"b"`, true},
		{"null", `null`, true},
		{"inner", "", false},
		{"a", "", false},
		{"su", "", false},
	}
	for _, tc := range tests {
		got, ok := lookup(obj, tc.name)
		if ok != tc.found || string(got) != tc.want {
			t.Errorf("lookup(%q) = %q, %v; want %q, %v", tc.name, got, ok, tc.want, tc.found)
		}
	}
}

func TestLookupMalformed(t *testing.T) {
	for _, obj := range []string{``, `[]`, `{}`, `{`, `{"a"`, `{"a":}`, `{"a":1 "b":2}`, `{"a":"x`, `{"a":{"b":1}`, `"x"`} {
		if v, ok := lookup([]byte(obj), "b"); ok {
			t.Errorf("lookup(%q, b) = %q, found", obj, v)
		}
	}
}

func TestAppendUnquote(t *testing.T) {
	tests := []struct{ in, want string }{
		{`"plain"`, "plain"},
		{`""`, ""},
		{`"a\"b\\c\/d\n\t\r\b\f"`, "a\"b\\c/d\n\t\r\b\f"},
		{`"\u00e9\u20AC"`, "é€"},
		{`"\ud83d\ude00!"`, "😀!"},
		{`"\ud83d!"`, "\uFFFD!"},
	}
	for _, tc := range tests {
		got, ok := appendUnquote([]byte("pre:"), []byte(tc.in))
		if !ok || string(got) != "pre:"+tc.want {
			t.Errorf("appendUnquote(pre:, %s) = %q, %v; want %q", tc.in, got, ok, "pre:"+tc.want)
		}
		// encoding/json agrees.
		var std string
		if err := json.Unmarshal([]byte(tc.in), &std); err != nil || std != tc.want {
			t.Errorf("encoding/json: %q, %v", std, err)
		}
	}
	for _, bad := range []string{`"\x"`, `"\u12"`, `"\`, `x`, `"abc`} {
		if got, ok := appendUnquote([]byte("pre:"), []byte(bad)); ok || string(got) != "pre:" {
			t.Errorf("appendUnquote(pre:, %s) = %q, %v; want pre: and failure", bad, got, ok)
		}
	}
}

func TestAppendHeaderValue(t *testing.T) {
	tests := []struct{ raw, want string }{
		{`"user-1"`, "user-1"},
		{`"caf\u00e9"`, "café"},
		{`42`, "42"},
		{`true`, "true"},
		{`[ "a", "b c" ]`, `["a","b c"]`},
		{"{ \"k\" :\n [1, 2] }", `{"k":[1,2]}`},
	}
	for _, tc := range tests {
		got, ok := appendHeaderValue([]byte("pre:"), []byte(tc.raw))
		if !ok || string(got) != "pre:"+tc.want {
			t.Errorf("appendHeaderValue(pre:, %s) = %q, %v; want %q", tc.raw, got, ok, "pre:"+tc.want)
		}
	}
}

func TestAppendJSONString(t *testing.T) {
	for _, s := range []string{"", "plain", `q"uote\back`, "ctl\x01\n\t", "é"} {
		b := appendJSONString(nil, s)
		var got string
		if err := json.Unmarshal(b, &got); err != nil || got != s {
			t.Errorf("appendJSONString(%q) = %s: %q, %v", s, b, got, err)
		}
	}
}

func TestAuthParam(t *testing.T) {
	tests := []struct{ in, want string }{
		{"token expired", "token expired"},
		{`bad "kid"`, "bad 'kid'"},
		{`a\b`, "a/b"},
		{"line\nbreak é", "line?break ??"},
	}
	for _, tc := range tests {
		if got := authParam(tc.in); got != tc.want {
			t.Errorf("authParam(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
