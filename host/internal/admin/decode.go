package admin

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
)

// decodeJSON strictly decodes one JSON value from r's body into dst: the
// body must fit in MaxJSONBytes, unknown fields and trailing data are
// errors, and the message names the problem (400 "invalid_json", 413
// "too_large").
func (s *server) decodeJSON(w http.ResponseWriter, r *http.Request, dst any) error {
	if r.ContentLength > s.maxJSON {
		return s.jsonTooLarge()
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, s.maxJSON))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return s.jsonError(err)
	}
	var extra json.RawMessage
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		if err != nil {
			return s.jsonError(err)
		}
		return invalidJSON("unexpected data after the JSON value; send exactly one object")
	}
	return nil
}

// jsonError explains a decoding error.
func (s *server) jsonError(err error) error {
	var (
		mbe    *http.MaxBytesError
		syntax *json.SyntaxError
		typ    *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &mbe):
		return s.jsonTooLarge()
	case errors.Is(err, io.EOF):
		return invalidJSON("the request body is empty; send a JSON object")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return invalidJSON("the JSON body ends early")
	case errors.As(err, &syntax):
		return invalidJSON("malformed JSON at byte %d: %v", syntax.Offset, syntax)
	case errors.As(err, &typ) && typ.Field == "":
		return invalidJSON("the body must be a JSON %s, not %s", jsonKind(typ.Type.Kind().String()), typ.Value)
	case errors.As(err, &typ):
		return invalidJSON("field %q must be a JSON %s, not %s", typ.Field, jsonKind(typ.Type.Kind().String()), typ.Value)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.TrimPrefix(err.Error(), "json: unknown field ")
		return invalidJSON("unknown field %s; check the spelling against the API docs", field)
	}
	return invalidJSON("invalid JSON body: %v", err)
}

// jsonKind names a Go kind the way a JSON user would.
func jsonKind(goKind string) string {
	switch goKind {
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64", "float32", "float64":
		return "number"
	case "slice", "array":
		return "array"
	case "struct", "map", "ptr":
		return "object"
	case "bool":
		return "boolean"
	}
	return goKind
}

// invalidJSON returns a 400 "invalid_json".
func invalidJSON(format string, args ...any) error {
	return newError(http.StatusBadRequest, "invalid_json", format, args...)
}

// jsonTooLarge is the 413 for a JSON body over the limit.
func (s *server) jsonTooLarge() error {
	return newError(http.StatusRequestEntityTooLarge, "too_large",
		"the JSON body is larger than the limit of %d bytes", s.maxJSON)
}
