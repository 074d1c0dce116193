package engine

import "strings"

// validPluginPath reports whether p, an escaped path a plugin passes to
// set_path, names the same resource to every target, whatever it
// normalises. It must start with one '/' ("//host/x" is a network-path
// reference: a target or a later redirect reads host as an authority);
// no segment may be "." or ".." in any spelling ("%2e", "%2E", ".%2e"),
// because a target resolving them reaches a path the route never
// matched; and it must not contain a backslash (which some servers read
// as '/'), '?', '#', a space, or a control character, raw or
// percent-encoded (%00-%1F, %7F, %5C). An encoded '/' (%2F) stays allowed:
// it is part of a segment.
func validPluginPath(p string) bool {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") {
		return false
	}
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c <= ' ' || c == 0x7f || c == '\\' || c == '?' || c == '#' {
			return false
		}
		if c == '%' && i+2 < len(p) && forbiddenEscape(p[i+1], p[i+2]) {
			return false
		}
	}
	for seg := range strings.SplitSeq(p[1:], "/") {
		if dotSegment(seg) {
			return false
		}
	}
	return true
}

// forbiddenEscape reports whether %hl encodes a control character or a
// backslash.
func forbiddenEscape(h, l byte) bool {
	hv, ok1 := unhex(h)
	lv, ok2 := unhex(l)
	if !ok1 || !ok2 {
		return false // url.Parse refuses it afterwards
	}
	c := hv<<4 | lv
	return c < 0x20 || c == 0x7f || c == '\\'
}

// dotSegment reports whether seg, percent-decoded, is "." or "..".
func dotSegment(seg string) bool {
	dots := 0
	for i := 0; i < len(seg); {
		switch {
		case seg[i] == '.':
			i++
		case strings.HasPrefix(seg[i:], "%2e") || strings.HasPrefix(seg[i:], "%2E"):
			i += 3
		default:
			return false
		}
		dots++
		if dots > 2 {
			return false
		}
	}
	return dots == 1 || dots == 2
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
