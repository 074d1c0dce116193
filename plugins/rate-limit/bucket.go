package main

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"
	"unsafe"
)

// Bucket names have the form
//
//	PREFIX ":" PART1 [0x1f PART2 ...] [0x1f TIER]
//
// where each PART is the value of one key element in configuration order
// (the client address, a header's first value or "" for route) and TIER is
// the name of the configured tier the request matched; requests that match
// no tier add nothing, so an unknown tier value cannot create buckets of
// its own. HTTP field values cannot hold 0x1f, and the number of parts is
// fixed by the configuration, so distinct keys never share a name. When
// the name would be longer than the host's 256 bytes, everything after
// PREFIX ":" is replaced by 0x1e and the SHA-256 of it in hex (0x1e never
// appears in an unhashed name).
const (
	partSep     = 0x1f
	hashedMark  = 0x1e
	maxNameLen  = 256
	initNameCap = 128
)

// nameBuf is reused for every request's bucket name.
var nameBuf = make([]byte, 0, initNameCap)

// appendName appends the bucket name for the given part values and tier
// ("" for none) to b.
func appendName(b []byte, prefix string, parts []string, tier string) []byte {
	b = append(append(b, prefix...), ':')
	start := len(b)
	for i, p := range parts {
		if i > 0 {
			b = append(b, partSep)
		}
		b = append(b, p...)
	}
	if tier != "" {
		b = append(append(b, partSep), tier...)
	}
	return hashLong(b, start)
}

// hashLong replaces b[start:] by its hash when b is over the host's limit.
func hashLong(b []byte, start int) []byte {
	if len(b) <= maxNameLen {
		return b
	}
	sum := sha256.Sum256(b[start:])
	return hex.AppendEncode(append(b[:start], hashedMark), sum[:])
}

// unsafeString returns b as a string without copying. The SDK passes the
// string to the host, which copies it, and keeps no reference, so b may be
// reused after the call.
func unsafeString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// clientIP returns the host part of a remote address: "192.0.2.1:41000"
// → "192.0.2.1", "[2001:db8::1]:41000" → "2001:db8::1". An address
// without a port is returned as it is.
func clientIP(addr string) string {
	if strings.HasPrefix(addr, "[") {
		if end := strings.IndexByte(addr, ']'); end > 0 {
			return addr[1:end]
		}
		return addr
	}
	if i := strings.LastIndexByte(addr, ':'); i >= 0 && strings.IndexByte(addr, ':') == i {
		return addr[:i]
	}
	return addr // no port, or a bare IPv6 address
}

// ceilSeconds rounds d up to whole seconds; negative durations give 0.
func ceilSeconds(d time.Duration) int64 {
	if d <= 0 {
		return 0
	}
	return int64((d-1)/time.Second) + 1
}

// retryAfterSeconds is the Retry-After value: d rounded up, at least 1.
func retryAfterSeconds(d time.Duration) int64 { return max(ceilSeconds(d), 1) }
