package main

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
	"time"
)

func TestAppendName(t *testing.T) {
	long := strings.Repeat("v", 300)
	sum := sha256.Sum256([]byte(long + "\x1fvip"))
	tests := []struct {
		name  string
		parts []string
		tier  string
		want  string
	}{
		{"one part", []string{"192.0.2.1"}, "", "rl:x:192.0.2.1"},
		{"route is empty", []string{""}, "", "rl:x:"},
		{"parts are separated", []string{"acme", "192.0.2.1"}, "", "rl:x:acme\x1f192.0.2.1"},
		{"colons in values stay apart", []string{"a:b", "c"}, "", "rl:x:a:b\x1fc"},
		{"tier is appended", []string{"192.0.2.1"}, "vip", "rl:x:192.0.2.1\x1fvip"},
		{"empty part and tier", []string{""}, "vip", "rl:x:\x1fvip"},
		{"long names are hashed", []string{long}, "vip", "rl:x:\x1e" + hex.EncodeToString(sum[:])},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := string(appendName(nil, "rl:x", tc.parts, tc.tier))
			if got != tc.want {
				t.Errorf("name %q, want %q", got, tc.want)
			}
			if len(got) > maxNameLen {
				t.Errorf("name is %d bytes", len(got))
			}
		})
	}
}

func TestAppendNameAtLimit(t *testing.T) {
	prefix := strings.Repeat("p", maxBucketLen)
	fits := strings.Repeat("v", maxNameLen-maxBucketLen-1)
	if got := appendName(nil, prefix, []string{fits}, ""); len(got) != maxNameLen || got[maxBucketLen+1] != 'v' {
		t.Errorf("a name of exactly %d bytes was changed: %q", maxNameLen, got)
	}
	got := appendName(nil, prefix, []string{fits + "v"}, "")
	if len(got) != maxBucketLen+2+64 || got[maxBucketLen+1] != hashedMark {
		t.Errorf("a name of %d bytes was not hashed: %q", maxNameLen+1, got)
	}
}

func TestAppendNameDoesNotAllocate(t *testing.T) {
	buf := make([]byte, 0, 512)
	parts := []string{"acme", "192.0.2.1", strings.Repeat("x", 300)}
	n := testing.AllocsPerRun(100, func() {
		buf = appendName(buf[:0], "rl:0123456789abcdef", parts[:2], "vip")
		buf = appendName(buf[:0], "rl:0123456789abcdef", parts, "")
		_ = unsafeString(buf)
	})
	if n != 0 {
		t.Errorf("%v allocations per run", n)
	}
}

func TestClientIP(t *testing.T) {
	for addr, want := range map[string]string{
		"192.0.2.1:41000":     "192.0.2.1",
		"192.0.2.1":           "192.0.2.1",
		"[2001:db8::1]:41000": "2001:db8::1",
		"[2001:db8::1]":       "2001:db8::1",
		"2001:db8::1":         "2001:db8::1",
		"[broken":             "[broken",
		"":                    "",
		"unix-socket":         "unix-socket",
		"[fe80::1%eth0]:8080": "fe80::1%eth0",
		"host.example:443":    "host.example",
		"203.0.113.255:65535": "203.0.113.255",
	} {
		if got := clientIP(addr); got != want {
			t.Errorf("clientIP(%q) = %q, want %q", addr, got, want)
		}
	}
}

func TestSeconds(t *testing.T) {
	tests := []struct {
		d            time.Duration
		reset, retry int64
	}{
		{-time.Second, 0, 1},
		{0, 0, 1},
		{time.Millisecond, 1, 1},
		{999 * time.Millisecond, 1, 1},
		{time.Second, 1, 1},
		{time.Second + time.Millisecond, 2, 2},
		{90 * time.Second, 90, 90},
	}
	for _, tc := range tests {
		if got := ceilSeconds(tc.d); got != tc.reset {
			t.Errorf("ceilSeconds(%v) = %d, want %d", tc.d, got, tc.reset)
		}
		if got := retryAfterSeconds(tc.d); got != tc.retry {
			t.Errorf("retryAfterSeconds(%v) = %d, want %d", tc.d, got, tc.retry)
		}
	}
}
