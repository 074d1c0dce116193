package main

import (
	"strings"

	"github.com/hostd/hostd/sdk"
)

// readToken returns the request's token from the configured source, or
// why there is none.
func readToken(hd sdk.Header, src source) (token, missing string) {
	if src.cookie != "" {
		for _, line := range hd.Values("Cookie") {
			if v, ok := cookieValue(line, src.cookie); ok && v != "" {
				return v, ""
			}
		}
		return "", "no token in cookie " + src.cookie
	}
	v, ok := hd.Get(src.header)
	if !ok {
		return "", "no " + src.header + " header"
	}
	t, ok := schemeToken(v, src.scheme)
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
