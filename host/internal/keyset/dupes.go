package keyset

import (
	"bytes"
	"encoding/json"
	"io"
)

// uniqueMembers reports whether raw is one JSON value in which no object,
// at any depth, names a member twice (names compared after unescaping, as
// every JSON decoder compares them). A token whose header or claims repeat
// a name is refused: decoders disagree on which of the two counts (Go's
// maps keep the last, many hand-written readers the first), so the host
// and a plugin could read different claims from one verified token.
//
// Valid JSON (every token that can verify) takes a single scan without
// the decoder (uniqueScan); anything else takes the decoder's reading
// (uniqueTokens), which gives the same answers the host always gave.
func uniqueMembers(raw []byte) bool {
	if json.Valid(raw) {
		return uniqueScan(raw)
	}
	return uniqueTokens(raw)
}

// uniqueScan is uniqueMembers for valid JSON. Member names are compared
// by their decoded value: a name with an escape or a non-ASCII byte is
// decoded as the decoder would (invalid UTF-8 becomes U+FFFD), any other
// name is its own value.
func uniqueScan(raw []byte) bool {
	type frame struct {
		object bool
		start  int                 // of this object's names in names
		set    map[string]struct{} // its names once there are many
	}
	var (
		frameBuf [8]frame
		nameBuf  [32][]byte
		frames   = frameBuf[:0]
		names    = nameBuf[:0] // the names of every open object, outermost first
		isName   bool          // the next string is a member name
	)
	for i := 0; i < len(raw); i++ {
		switch raw[i] {
		case '{':
			frames = append(frames, frame{object: true, start: len(names)})
			isName = true
		case '[':
			frames = append(frames, frame{})
			isName = false
		case '}', ']':
			top := frames[len(frames)-1]
			if top.object {
				names = names[:top.start]
			}
			frames = frames[:len(frames)-1]
			isName = false
		case ',':
			isName = frames[len(frames)-1].object
		case '"':
			end, plain := stringEnd(raw, i)
			if isName {
				name := raw[i+1 : end]
				if !plain {
					var s string
					if json.Unmarshal(raw[i:end+1], &s) != nil {
						return false
					}
					name = []byte(s)
				}
				f := &frames[len(frames)-1]
				var ok bool
				if names, ok = addName(&f.set, names, f.start, name); !ok {
					return false
				}
				isName = false
			}
			i = end
		}
	}
	return true
}

// stringEnd returns the index of the quote that closes the string opening
// at raw[i], and whether the string has neither escapes nor non-ASCII
// bytes (its bytes are its value).
func stringEnd(raw []byte, i int) (end int, plain bool) {
	plain = true
	for j := i + 1; ; j++ {
		switch c := raw[j]; {
		case c == '"':
			return j, plain
		case c == '\\':
			plain = false
			j++
		case c >= 0x80:
			plain = false
		}
	}
}

// addName adds name to the open object whose names start at names[start]
// and returns names, or reports false when the name is already there.
// Past 16 names the object keeps them in a set, so a hostile token cannot
// make the check quadratic.
func addName(set *map[string]struct{}, names [][]byte, start int, name []byte) ([][]byte, bool) {
	if *set != nil {
		if _, dup := (*set)[string(name)]; dup {
			return names, false
		}
		(*set)[string(name)] = struct{}{}
		return names, true
	}
	for _, n := range names[start:] {
		if bytes.Equal(n, name) {
			return names, false
		}
	}
	names = append(names, name)
	if len(names)-start > 16 {
		*set = make(map[string]struct{}, 2*(len(names)-start))
		for _, n := range names[start:] {
			(*set)[string(n)] = struct{}{}
		}
	}
	return names, true
}

// uniqueTokens is uniqueMembers by the decoder's tokens.
func uniqueTokens(raw []byte) bool {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	// Each open object has the set of names seen so far; an open array
	// has nil. Inside an object, tokens alternate name, value.
	type frame struct {
		names  map[string]struct{}
		object bool
		isName bool // the next token is a member name
	}
	var stack []frame
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return len(stack) == 0
		}
		if err != nil {
			return false
		}
		top := len(stack) - 1
		if top >= 0 && stack[top].object && stack[top].isName {
			if d, ok := tok.(json.Delim); ok && d == '}' {
				stack = stack[:top]
				if top > 0 && stack[top-1].object {
					stack[top-1].isName = true
				}
				continue
			}
			name := tok.(string) // the decoder allows nothing else here
			if _, dup := stack[top].names[name]; dup {
				return false
			}
			stack[top].names[name] = struct{}{}
			stack[top].isName = false
			continue
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, frame{names: map[string]struct{}{}, object: true, isName: true})
			continue
		case json.Delim('['):
			stack = append(stack, frame{})
			continue
		case json.Delim(']'):
			stack = stack[:top]
			top--
		}
		// A value ended (scalar, or a closed array): in an object the
		// next token is a name again.
		if top >= 0 && stack[top].object {
			stack[top].isName = true
		}
	}
}
