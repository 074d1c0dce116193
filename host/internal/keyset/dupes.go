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
func uniqueMembers(raw []byte) bool {
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
