package sdk

// queryLookup finds the first parameter of a raw query whose unescaped key
// is name and returns its unescaped value. It allocates only the result.
func queryLookup(q []byte, name string) (string, bool) {
	for len(q) > 0 {
		var pair []byte
		pair, q = cutByte(q, '&')
		key, value := cutByte(pair, '=')
		if len(pair) == 0 || !unescapedEqual(key, name) {
			continue
		}
		if v, ok := unescape(value); ok {
			return v, true
		}
	}
	return "", false
}

// appendQueryLookup is queryLookup appending the value to dst, which it
// returns unchanged when no parameter matches.
func appendQueryLookup(dst, q []byte, name string) ([]byte, bool) {
	for len(q) > 0 {
		var pair []byte
		pair, q = cutByte(q, '&')
		key, value := cutByte(pair, '=')
		if len(pair) == 0 || !unescapedEqual(key, name) {
			continue
		}
		if out, ok := appendUnescape(dst, value); ok {
			return out, true
		}
	}
	return dst, false
}

// cutByte splits b around the first sep; after is empty when there is none.
func cutByte(b []byte, sep byte) (before, after []byte) {
	for i, c := range b {
		if c == sep {
			return b[:i], b[i+1:]
		}
	}
	return b, nil
}

// unescapedEqual reports whether the query-unescaped form of b is s, without
// allocating. Invalid escapes never match.
func unescapedEqual(b []byte, s string) bool {
	j := 0
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch c {
		case '+':
			c = ' '
		case '%':
			v, ok := hexByte(b, i)
			if !ok {
				return false
			}
			c, i = v, i+2
		}
		if j >= len(s) || s[j] != c {
			return false
		}
		j++
	}
	return j == len(s)
}

// unescape decodes "+" and "%XX" as net/url.QueryUnescape does; ok is false
// for an invalid escape.
func unescape(b []byte) (string, bool) {
	plain := true
	for _, c := range b {
		if c == '+' || c == '%' {
			plain = false
			break
		}
	}
	if plain {
		return string(b), true
	}
	out, ok := appendUnescape(make([]byte, 0, len(b)), b)
	return string(out), ok
}

// appendUnescape appends the unescaped form of b to dst; on an invalid
// escape it returns dst as it was and false.
func appendUnescape(dst, b []byte) ([]byte, bool) {
	out := dst
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch c {
		case '+':
			c = ' '
		case '%':
			v, ok := hexByte(b, i)
			if !ok {
				return dst, false
			}
			c, i = v, i+2
		}
		out = append(out, c)
	}
	return out, true
}

// hexByte decodes the two hex digits after the '%' at b[i].
func hexByte(b []byte, i int) (byte, bool) {
	if i+2 >= len(b) {
		return 0, false
	}
	hi, ok1 := unhex(b[i+1])
	lo, ok2 := unhex(b[i+2])
	return hi<<4 | lo, ok1 && ok2
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
