// Package config decodes a plugin's JSON configuration strictly: it must be
// a JSON object, unknown fields are refused, and nothing may follow it.
// Call it from the configure callback (once per instance); it uses
// encoding/json, which is why it is a package of its own: plugins that do
// not need it do not link it.
package config

import (
	"bytes"
	"encoding/json"
	"errors"
)

// Decode decodes raw into v, which should be a pointer to a struct whose
// fields carry json tags. Its errors are meant for the plugin's log line.
func Decode(raw []byte, v any) error {
	if t := bytes.TrimSpace(raw); len(t) == 0 || t[0] != '{' {
		return errors.New("must be a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("trailing data after the JSON object")
	}
	return nil
}
