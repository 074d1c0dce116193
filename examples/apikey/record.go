package main

import "unsafe"

// The filter reads a stored record on every request. It does so in place,
// without encoding/json, which would allocate the record's strings and
// slice each time: readRecord scans the JSON object that provision stored
// ({"client":"...","scopes":["...",...]}, members in any order) into
// buffers kept between requests, and applies the same checks as
// record.validate. It rejects what encoding/json plus validate reject, and
// also records that provision never writes: with a member other than
// "client" and "scopes" (encoding/json would skip it, or match "Client" to
// client), or with a member given twice.

// Buffers reused by every request: the decoded client name, scope and
// member name.
var clientBuf, scopeBuf, nameBuf []byte

// readRecord checks the stored record v and returns its client name (a
// view of clientBuf, valid until the next call) and whether its scopes
// include scope ("" is always included). ok is false for a corrupt record.
func readRecord(v []byte, scope string) (client []byte, hasScope, ok bool) {
	s := scanner{b: v}
	if !s.consume('{') {
		return nil, false, false
	}
	clientBuf, hasScope = clientBuf[:0], scope == ""
	var seenClient, seenScopes bool
	for first := true; !s.consume('}'); first = false {
		if !first && !s.consume(',') {
			return nil, false, false
		}
		var name []byte
		if name, ok = s.str(nameBuf[:0]); !ok || !s.consume(':') {
			return nil, false, false
		}
		nameBuf = name
		switch unsafeString(name) {
		case "client":
			ok = !seenClient
			seenClient = true
			if ok {
				clientBuf, ok = s.str(clientBuf)
			}
		case "scopes":
			ok = !seenScopes
			seenScopes = true
			if ok {
				var has bool
				has, ok = s.scopes(scope)
				hasScope = hasScope || has
			}
		default:
			ok = false
		}
		if !ok {
			return nil, false, false
		}
	}
	if s.space(); s.i != len(s.b) || len(clientBuf) == 0 || !printable(unsafeString(clientBuf), true) {
		return nil, false, false
	}
	return clientBuf, hasScope, true
}

// scanner reads JSON from b at i.
type scanner struct {
	b []byte
	i int
}

func (s *scanner) space() {
	for s.i < len(s.b) && (s.b[s.i] == ' ' || s.b[s.i] == '\t' || s.b[s.i] == '\n' || s.b[s.i] == '\r') {
		s.i++
	}
}

// consume skips spaces and then c, if c is next.
func (s *scanner) consume(c byte) bool {
	s.space()
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

// scopes reads the scopes member: null or an array of valid scopes. It
// reports whether one equals want.
func (s *scanner) scopes(want string) (has, ok bool) {
	if s.literal("null") {
		return false, true
	}
	if !s.consume('[') {
		return false, false
	}
	for first := true; !s.consume(']'); first = false {
		if !first && !s.consume(',') {
			return false, false
		}
		scopeBuf, ok = s.str(scopeBuf[:0])
		if !ok || len(scopeBuf) == 0 || !printable(unsafeString(scopeBuf), false) {
			return false, false
		}
		has = has || unsafeString(scopeBuf) == want
	}
	return has, true
}

// literal skips spaces and then lit, if lit is next.
func (s *scanner) literal(lit string) bool {
	s.space()
	if len(s.b)-s.i >= len(lit) && unsafeString(s.b[s.i:s.i+len(lit)]) == lit {
		s.i += len(lit)
		return true
	}
	return false
}

// str reads a string literal and appends its value to dst. Escapes of
// characters outside ASCII fail: no valid record holds one.
func (s *scanner) str(dst []byte) ([]byte, bool) {
	if !s.consume('"') {
		return dst, false
	}
	for s.i < len(s.b) {
		c := s.b[s.i]
		s.i++
		switch {
		case c == '"':
			return dst, true
		case c < ' ':
			return dst, false
		case c != '\\':
			dst = append(dst, c)
			continue
		}
		if s.i >= len(s.b) {
			return dst, false
		}
		e := s.b[s.i]
		s.i++
		switch e {
		case '"', '\\', '/':
			dst = append(dst, e)
		case 'b', 'f', 'n', 'r', 't':
			dst = append(dst, ' '-1) // a control character: never printable
		case 'u':
			r, ok := s.hex4()
			if !ok || r >= 0x80 {
				return dst, false
			}
			dst = append(dst, byte(r))
		default:
			return dst, false
		}
	}
	return dst, false
}

// hex4 reads the four hex digits of a \u escape.
func (s *scanner) hex4() (rune, bool) {
	if len(s.b)-s.i < 4 {
		return 0, false
	}
	var r rune
	for _, c := range s.b[s.i : s.i+4] {
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
	s.i += 4
	return r, true
}

// unsafeString returns b as a string without copying, for values handed to
// the SDK (the host copies them and keeps no reference) or compared; b
// must not change while the string is in use.
func unsafeString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(unsafe.SliceData(b), len(b))
}
