package main

import (
	"bytes"
	"strings"
	"unsafe"

	"github.com/hostd/hostd/sdk"
)

// tokenBuf holds the header value or the Cookie lines the token is read
// from; reused by every request.
var tokenBuf []byte

// readToken returns the request's token from the configured source, or
// why there is none. The token is a view of tokenBuf, valid until the next
// call.
func readToken(hd sdk.Header, src source) (token, missing string) {
	if src.cookie != "" {
		var n int
		tokenBuf, n = hd.AppendValues(tokenBuf[:0], "Cookie")
		lines := tokenBuf
		for ; n > 0; n-- {
			end := bytes.IndexByte(lines, 0) // each value ends with NUL
			if end < 0 {
				break
			}
			if v, ok := cookieValue(unsafeString(lines[:end]), src.cookie); ok && v != "" {
				return v, ""
			}
			lines = lines[end+1:]
		}
		return "", "no token in cookie " + src.cookie
	}
	var ok bool
	tokenBuf, ok = hd.AppendValue(tokenBuf[:0], src.header)
	if !ok {
		return "", "no " + src.header + " header"
	}
	t, ok := schemeToken(unsafeString(tokenBuf), src.scheme)
	if !ok {
		if src.scheme != "" {
			return "", "no " + src.scheme + " token in the " + src.header + " header"
		}
		return "", "no token in the " + src.header + " header"
	}
	return t, ""
}

// schemeToken returns the token of an authorization header value
// "<scheme> <token>"; the scheme is case-insensitive (RFC 9110 §11.1).
// With scheme "" the whole value, trimmed, is the token. A token never
// contains spaces.
func schemeToken(v, scheme string) (string, bool) {
	v = strings.Trim(v, " \t")
	if scheme != "" {
		if len(v) <= len(scheme) || !strings.EqualFold(v[:len(scheme)], scheme) || v[len(scheme)] != ' ' {
			return "", false
		}
		v = strings.TrimLeft(v[len(scheme):], " ")
	}
	if v == "" || strings.ContainsAny(v, " \t") {
		return "", false
	}
	return v, true
}

// cookieValue returns the value of the cookie name in a Cookie header line
// ("a=1; b=2"), without surrounding double quotes (RFC 6265 §4.2.1).
func cookieValue(line, name string) (string, bool) {
	for line != "" {
		var pair string
		pair, line, _ = strings.Cut(line, ";")
		k, v, ok := strings.Cut(strings.Trim(pair, " \t"), "=")
		if !ok || k != name {
			continue
		}
		if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
			v = v[1 : len(v)-1]
		}
		return v, true
	}
	return "", false
}

// unsafeString returns b as a string without copying. It is used for
// values passed to the SDK, which hands them to the host to copy and keeps
// no reference, so b may be reused after the call; b must not change while
// the string is in use.
func unsafeString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(unsafe.SliceData(b), len(b))
}
