package main

import "testing"

func TestSchemeToken(t *testing.T) {
	tests := []struct {
		value, scheme, want string
		ok                  bool
	}{
		{"Bearer abc.def.ghi", "Bearer", "abc.def.ghi", true},
		{"bearer abc", "Bearer", "abc", true},
		{"BEARER   abc  ", "Bearer", "abc", true},
		{"Bearer", "Bearer", "", false},
		{"Bearer ", "Bearer", "", false},
		{"Bearerabc", "Bearer", "", false},
		{"Basic dXNlcjpwdw==", "Bearer", "", false},
		{"Bearer a b", "Bearer", "", false},
		{"abc.def.ghi", "", "abc.def.ghi", true},
		{"  abc ", "", "abc", true},
		{"", "", "", false},
		{"Bearer abc", "", "", false},
	}
	for _, tc := range tests {
		got, ok := schemeToken(tc.value, tc.scheme)
		if got != tc.want || ok != tc.ok {
			t.Errorf("schemeToken(%q, %q) = %q, %v; want %q, %v", tc.value, tc.scheme, got, ok, tc.want, tc.ok)
		}
	}
}

func TestCookieValue(t *testing.T) {
	tests := []struct {
		line, name, want string
		ok               bool
	}{
		{"session=abc", "session", "abc", true},
		{"a=1; session=abc; b=2", "session", "abc", true},
		{"a=1;session=abc", "session", "abc", true},
		{`session="abc"`, "session", "abc", true},
		{"session=", "session", "", true},
		{"xsession=abc; sessionx=def", "session", "", false},
		{"Session=abc", "session", "", false},
		{"session", "session", "", false},
		{"", "session", "", false},
		{"a=b=c; session=x=y", "session", "x=y", true},
	}
	for _, tc := range tests {
		got, ok := cookieValue(tc.line, tc.name)
		if got != tc.want || ok != tc.ok {
			t.Errorf("cookieValue(%q, %q) = %q, %v; want %q, %v", tc.line, tc.name, got, ok, tc.want, tc.ok)
		}
	}
}
