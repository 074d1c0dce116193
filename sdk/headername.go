package sdk

// Helpers for plugins that validate header names from their configuration
// without importing net/http, which would pull the os package, file-system
// imports and megabytes into a Wasm plugin (and is heavy for TinyGo).

// ValidHeaderName reports whether s is a valid HTTP field name (an RFC 9110
// token).
func ValidHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !tokenChar(s[i]) {
			return false
		}
	}
	return true
}

func tokenChar(c byte) bool {
	switch {
	case c >= '0' && c <= '9', c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		return true
	}
	switch c {
	case '!', '#', '$', '%', '&', '\'', '*', '+', '-', '.', '^', '_', '`', '|', '~':
		return true
	}
	return false
}

// ValidHeaderValue reports whether s can be a field value: no control
// characters other than horizontal tab.
func ValidHeaderValue(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < ' ' && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}

// CanonicalHeaderKey returns the canonical form of a valid header name, as
// the host stores it: the first letter and every letter after a hyphen upper
// case, the rest lower case ("x-api-key" → "X-Api-Key"). Invalid names are
// returned unchanged.
func CanonicalHeaderKey(s string) string {
	if !ValidHeaderName(s) {
		return s
	}
	b := []byte(s)
	upper := true
	for i, c := range b {
		switch {
		case upper && 'a' <= c && c <= 'z':
			b[i] = c - 'a' + 'A'
		case !upper && 'A' <= c && c <= 'Z':
			b[i] = c - 'A' + 'a'
		}
		upper = c == '-'
	}
	return string(b)
}
