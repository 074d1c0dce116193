package engine

import "net/textproto"

// Header names and values a plugin writes come out of guest memory as
// bytes; turning them into the strings an http.Header holds used to cost an
// allocation each (two for a name not in canonical form), on every request.
// The helpers here give the same strings without allocating for the names
// and values a plugin writes again and again.

// maxInternLen is the longest name or value that is canonicalised on the
// stack or kept in an instance's intern table.
const maxInternLen = 128

// maxInterned bounds an instance's intern table: a plugin that writes a
// different value every time fills it once and then allocates as before.
const maxInterned = 64

// commonKeys are the canonical names most plugins write or read, shared by
// every instance (read only).
var commonKeys = func() map[string]string {
	m := map[string]string{}
	for _, k := range []string{
		"Accept", "Accept-Encoding", "Accept-Language", "Access-Control-Allow-Credentials",
		"Access-Control-Allow-Headers", "Access-Control-Allow-Methods", "Access-Control-Allow-Origin",
		"Access-Control-Expose-Headers", "Access-Control-Max-Age", "Age", "Allow", "Authorization",
		"Cache-Control", "Content-Disposition", "Content-Encoding", "Content-Language",
		"Content-Location", "Content-Security-Policy", "Content-Type", "Cookie", "Date", "Etag",
		"Expires", "Forwarded", "If-Match", "If-Modified-Since", "If-None-Match", "Last-Modified",
		"Link", "Location", "Origin", "Pragma", "Ratelimit-Limit", "Ratelimit-Remaining",
		"Ratelimit-Reset", "Referer", "Retry-After", "Server", "Set-Cookie",
		"Strict-Transport-Security", "User-Agent", "Vary", "Www-Authenticate", "X-Api-Key",
		"X-Content-Type-Options", "X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto",
		"X-Frame-Options", "X-Ratelimit-Limit", "X-Ratelimit-Remaining", "X-Ratelimit-Reset",
		"X-Real-Ip", "X-Request-Id",
	} {
		m[k] = k
	}
	return m
}()

// canonicalInto writes the canonical form of a valid header name (a
// token: see validName) into buf, as textproto.CanonicalMIMEHeaderKey
// does: the first letter and every letter after a hyphen upper case, the
// rest lower case. len(buf) must be at least len(name).
func canonicalInto(buf, name []byte) []byte {
	upper := true
	for i, c := range name {
		switch {
		case upper && 'a' <= c && c <= 'z':
			c -= 'a' - 'A'
		case !upper && 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		}
		buf[i] = c
		upper = c == '-'
	}
	return buf[:len(name)]
}

// canonicalKey returns the canonical form of a valid header name as a
// string, without allocating for a common name or one this instance
// interned before.
func (i *Instance) canonicalKey(name []byte) string {
	if len(name) > maxInternLen {
		return textproto.CanonicalMIMEHeaderKey(string(name))
	}
	var buf [maxInternLen]byte
	key := canonicalInto(buf[:], name)
	if k, ok := commonKeys[string(key)]; ok {
		return k
	}
	return i.intern(key)
}

// intern returns b as a string, the same string each time for the same
// bytes while the instance's table has room. The strings are immutable, so
// sharing them across this instance's requests is safe.
func (i *Instance) intern(b []byte) string {
	if s, ok := i.interned[string(b)]; ok {
		return s
	}
	s := string(b)
	if len(b) <= maxInternLen && len(i.interned) < maxInterned {
		if i.interned == nil {
			i.interned = make(map[string]string)
		}
		i.interned[s] = s
	}
	return s
}
