package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
)

// valueKind is the JSON type of an expected claim value.
type valueKind uint8

const (
	kindString valueKind = iota
	kindNumber
	kindBool
)

// value is an expected claim value from required_claims.
type value struct {
	kind valueKind
	str  string  // kindString: the decoded string
	lit  string  // kindNumber, kindBool: the JSON literal
	num  float64 // kindNumber
}

// requirement is one entry of required_claims: the claim must equal exact,
// or, when contains is set, hold every value of contains.
type requirement struct {
	claim    string
	exact    value
	contains []value
}

// parseRequirements validates required_claims and returns it sorted by
// claim name. A value is a string, number or bool, or {"contains": V} or
// {"contains": [V, ...]}.
func parseRequirements(m map[string]json.RawMessage) ([]requirement, error) {
	out := make([]requirement, 0, len(m))
	for claim, raw := range m {
		if claim == "" {
			return nil, errors.New("required_claims: empty claim name")
		}
		r, err := parseRequirement(claim, raw)
		if err != nil {
			return nil, errors.New("required_claims: " + strconv.Quote(claim) + ": " + err.Error())
		}
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b requirement) int { return strings.Compare(a.claim, b.claim) })
	return out, nil
}

func parseRequirement(claim string, raw json.RawMessage) (requirement, error) {
	r := requirement{claim: claim}
	if t := bytes.TrimSpace(raw); len(t) == 0 || t[0] != '{' {
		v, err := parseValue(raw)
		r.exact = v
		return r, err
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil {
		return r, err
	}
	c, ok := obj["contains"]
	if !ok || len(obj) != 1 {
		return r, errors.New(`an object must be {"contains": V} or {"contains": [V, ...]}`)
	}
	if t := bytes.TrimSpace(c); len(t) == 0 || t[0] != '[' {
		v, err := parseValue(c)
		r.contains = []value{v}
		return r, err
	}
	var list []json.RawMessage
	if err := json.Unmarshal(c, &list); err != nil {
		return r, err
	}
	if len(list) == 0 {
		return r, errors.New("contains must not be an empty list")
	}
	for _, item := range list {
		v, err := parseValue(item)
		if err != nil {
			return r, err
		}
		r.contains = append(r.contains, v)
	}
	return r, nil
}

// parseValue accepts a JSON string, number or bool.
func parseValue(raw json.RawMessage) (value, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return value{}, err
	}
	switch x := v.(type) {
	case string:
		return value{kind: kindString, str: x}, nil
	case json.Number:
		f, err := x.Float64()
		if err != nil {
			return value{}, err
		}
		return value{kind: kindNumber, lit: x.String(), num: f}, nil
	case bool:
		return value{kind: kindBool, lit: strconv.FormatBool(x)}, nil
	}
	return value{}, errors.New("values must be strings, numbers or booleans")
}

// satisfied reports whether the claims meet every requirement, and if not
// the name of the first claim that does not.
func satisfied(claims []byte, reqs []requirement) (failed string, ok bool) {
	for i := range reqs {
		r := &reqs[i]
		raw, found := lookup(claims, r.claim)
		if !found || !r.matches(raw) {
			return r.claim, false
		}
	}
	return "", true
}

// matches reports whether the claim value raw meets r.
func (r *requirement) matches(raw []byte) bool {
	if r.contains == nil {
		return equal(raw, r.exact)
	}
	for _, want := range r.contains {
		if !listContains(raw, want) {
			return false
		}
	}
	return true
}

// equal reports whether the scalar JSON value raw equals v. Numbers are
// compared by value (1 == 1.0), strings after decoding escapes.
func equal(raw []byte, v value) bool {
	if len(raw) == 0 {
		return false
	}
	switch v.kind {
	case kindString:
		return stringEquals(raw, v.str)
	case kindBool:
		return unsafeString(raw) == v.lit
	}
	if c := raw[0]; c != '-' && (c < '0' || c > '9') {
		return false
	}
	if unsafeString(raw) == v.lit {
		return true
	}
	f, err := strconv.ParseFloat(unsafeString(raw), 64)
	return err == nil && f == v.num
}

// listContains reports whether the claim raw, a JSON array or a string of
// space-separated values (an OAuth scope), holds v.
func listContains(raw []byte, v value) bool {
	if len(raw) == 0 {
		return false
	}
	switch raw[0] {
	case '[':
		return arrayContains(raw, v)
	case '"':
		return v.kind == kindString && scopeContains(raw, v.str)
	}
	return false
}

// arrayContains reports whether an element of the JSON array raw equals v.
func arrayContains(raw []byte, v value) bool {
	i := skipSpace(raw, 1)
	if i < len(raw) && raw[i] == ']' {
		return false
	}
	for i < len(raw) {
		end, ok := skipValue(raw, i)
		if !ok {
			return false
		}
		if equal(raw[i:end], v) {
			return true
		}
		i = skipSpace(raw, end)
		if i >= len(raw) || raw[i] != ',' {
			return false
		}
		i = skipSpace(raw, i+1)
	}
	return false
}

// scopeContains reports whether the space-separated list in the JSON
// string raw has the item want.
func scopeContains(raw []byte, want string) bool {
	if want == "" || len(raw) < 2 || raw[0] != '"' {
		return false
	}
	list := raw[1 : len(raw)-1]
	if hasByte(list, '\\') {
		var ok bool
		if unqBuf, ok = appendUnquote(unqBuf[:0], raw); !ok {
			return false
		}
		list = unqBuf
	}
	for len(list) > 0 {
		item := list
		if i := bytes.IndexByte(list, ' '); i >= 0 {
			item, list = list[:i], list[i+1:]
		} else {
			list = nil
		}
		if unsafeString(item) == want {
			return true
		}
	}
	return false
}
