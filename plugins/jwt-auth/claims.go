package main

import (
	"unicode/utf16"
	"unicode/utf8"
)

// The verified claims are a JSON object written by the host. These
// functions read it in place, without encoding/json: lookup finds one
// top-level member, and the value helpers compare or copy it. Malformed
// input never panics; it is reported as "not found" or "no match".

// lookup returns the raw JSON value of the top-level member name of the
// object obj, and whether there is one.
func lookup(obj []byte, name string) ([]byte, bool) {
	i := skipSpace(obj, 0)
	if i >= len(obj) || obj[i] != '{' {
		return nil, false
	}
	i = skipSpace(obj, i+1)
	if i < len(obj) && obj[i] == '}' {
		return nil, false
	}
	for i < len(obj) {
		kEnd, ok := skipString(obj, i)
		if !ok {
			return nil, false
		}
		key := obj[i:kEnd]
		i = skipSpace(obj, kEnd)
		if i >= len(obj) || obj[i] != ':' {
			return nil, false
		}
		vStart := skipSpace(obj, i+1)
		vEnd, ok := skipValue(obj, vStart)
		if !ok {
			return nil, false
		}
		if stringEquals(key, name) {
			return obj[vStart:vEnd], true
		}
		i = skipSpace(obj, vEnd)
		if i >= len(obj) || obj[i] != ',' {
			return nil, false
		}
		i = skipSpace(obj, i+1)
	}
	return nil, false
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipString returns the index after the string literal at b[i].
func skipString(b []byte, i int) (int, bool) {
	if i >= len(b) || b[i] != '"' {
		return 0, false
	}
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1, true
		}
	}
	return 0, false
}

// skipValue returns the index after the JSON value at b[i].
func skipValue(b []byte, i int) (int, bool) {
	if i >= len(b) {
		return 0, false
	}
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		return skipComposite(b, i)
	}
	j := i
	for j < len(b) && isLiteralByte(b[j]) {
		j++
	}
	return j, j > i
}

// skipComposite skips an object or array, counting brackets outside
// strings; the host's claims are valid JSON, so no deeper check is needed.
func skipComposite(b []byte, i int) (int, bool) {
	depth := 0
	for i < len(b) {
		switch b[i] {
		case '"':
			end, ok := skipString(b, i)
			if !ok {
				return 0, false
			}
			i = end
			continue
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				return i + 1, true
			}
		}
		i++
	}
	return 0, false
}

func isLiteralByte(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c == '-' || c == '+' || c == '.' || c == 'E'
}

// unqBuf holds decoded strings for comparisons; reused.
var unqBuf []byte

// stringEquals reports whether the JSON string literal raw decodes to s.
// Literals without escapes, the usual case, are compared in place.
func stringEquals(raw []byte, s string) bool {
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' {
		return false
	}
	inner := raw[1 : len(raw)-1]
	if !hasByte(inner, '\\') {
		return unsafeString(inner) == s
	}
	var ok bool
	unqBuf, ok = appendUnquote(unqBuf[:0], raw)
	return ok && unsafeString(unqBuf) == s
}

func hasByte(b []byte, c byte) bool {
	for _, x := range b {
		if x == c {
			return true
		}
	}
	return false
}

// appendUnquote appends the decoded JSON string literal raw to dst; on
// failure it returns dst unchanged and false.
func appendUnquote(dst, raw []byte) ([]byte, bool) {
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' {
		return dst, false
	}
	in := raw[1 : len(raw)-1]
	if !hasByte(in, '\\') {
		return append(dst, in...), true
	}
	out := dst
	for i := 0; i < len(in); i++ {
		if in[i] != '\\' {
			out = append(out, in[i])
			continue
		}
		i++
		if i >= len(in) {
			return dst, false
		}
		switch c := in[i]; c {
		case '"', '\\', '/':
			out = append(out, c)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, n, ok := unescapeRune(in[i-1:])
			if !ok {
				return dst, false
			}
			out = utf8.AppendRune(out, r)
			i += n - 2
		default:
			return dst, false
		}
	}
	return out, true
}

// unescapeRune decodes "\uXXXX", or a surrogate pair "\uXXXX\uXXXX", at
// the start of b and returns the rune and the bytes used.
func unescapeRune(b []byte) (rune, int, bool) {
	r1, ok := hex4(b)
	if !ok {
		return 0, 0, false
	}
	if !utf16.IsSurrogate(r1) {
		return r1, 6, true
	}
	if r2, ok := hex4(b[6:]); ok {
		if r := utf16.DecodeRune(r1, r2); r != utf8.RuneError {
			return r, 12, true
		}
	}
	return utf8.RuneError, 6, true
}

// hex4 decodes "\uXXXX" at the start of b.
func hex4(b []byte) (rune, bool) {
	if len(b) < 6 || b[0] != '\\' || b[1] != 'u' {
		return 0, false
	}
	var r rune
	for _, c := range b[2:6] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}

// appendCompact appends the JSON value raw without insignificant
// whitespace to dst.
func appendCompact(dst, raw []byte) []byte {
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch c {
		case ' ', '\t', '\n', '\r':
			continue
		case '"':
			end, ok := skipString(raw, i)
			if !ok {
				end = len(raw)
			}
			dst = append(dst, raw[i:end]...)
			i = end - 1
			continue
		}
		dst = append(dst, c)
	}
	return dst
}

// appendHeaderValue appends what a forwarded claim becomes to dst: a
// string verbatim, anything else as compact JSON. It reports false, with
// dst unchanged, for an empty value or a malformed string.
func appendHeaderValue(dst, raw []byte) ([]byte, bool) {
	if len(raw) > 0 && raw[0] == '"' {
		return appendUnquote(dst, raw)
	}
	return appendCompact(dst, raw), len(raw) > 0
}

// appendJSONString appends s as a JSON string literal.
func appendJSONString(dst []byte, s string) []byte {
	const hexDigits = "0123456789abcdef"
	dst = append(dst, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			dst = append(dst, '\\', c)
		case c < 0x20:
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		default:
			dst = append(dst, c)
		}
	}
	return append(dst, '"')
}
