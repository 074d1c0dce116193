package main

import (
	"bytes"
	"encoding/json"
	"errors"

	"github.com/hostd/hostd/sdk"
)

// minKeyLen is the shortest API key accepted. Keys are stored as unsalted
// SHA-256, which is safe only for random keys, not for guessable ones.
const minKeyLen = 16

// serveAdmin provisions (PUT) and revokes (DELETE) the key in the route
// variable "key".
func serveAdmin(req sdk.Request, resp sdk.Response) {
	key, ok := req.RouteVar("key")
	if !ok || key == "" {
		fail(resp, 404, "no_key", "the route has no {key} variable")
		return
	}
	switch req.Method() {
	case "PUT":
		provision(req, resp, key)
	case "DELETE":
		revoke(resp, key)
	default:
		resp.Header().Set("Allow", "PUT, DELETE")
		fail(resp, 405, "method_not_allowed", "use PUT or DELETE")
	}
}

// provision stores the record in the body under the hash of key and
// answers 201 with the stored record.
func provision(req sdk.Request, resp sdk.Response, key string) {
	if len(key) < minKeyLen {
		fail(resp, 400, "weak_key", "API keys must be at least 16 characters")
		return
	}
	body, err := req.Body()
	if err != nil {
		fail(resp, 400, "invalid_body", "the body cannot be read: "+err.Error())
		return
	}
	r, err := parseRecord(body)
	if err != nil {
		fail(resp, 400, "invalid_body", err.Error())
		return
	}
	v, _ := json.Marshal(r)
	if _, err := sdk.KV.Put(kvKey(key), v, 0); err != nil {
		sdk.Error("apikey: writing the key store: " + err.Error())
		unavailable(resp)
		return
	}
	send(resp, 201, v)
}

// revoke deletes the record of key: 204, or 404 if there was none.
func revoke(resp sdk.Response, key string) {
	found, err := sdk.KV.Delete(kvKey(key))
	switch {
	case err != nil:
		sdk.Error("apikey: writing the key store: " + err.Error())
		unavailable(resp)
	case !found:
		fail(resp, 404, "unknown_key", "no such API key")
	default:
		send(resp, 204, nil)
	}
}

// parseRecord decodes and validates a provisioning body strictly.
func parseRecord(body []byte) (record, error) {
	var r record
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return record{}, errors.New("body must be {\"client\": string, \"scopes\": [string]}: " + err.Error())
	}
	if dec.More() {
		return record{}, errors.New("body has data after the JSON object")
	}
	if err := r.validate(); err != nil {
		return record{}, err
	}
	if r.Scopes == nil {
		r.Scopes = []string{}
	}
	return r, nil
}
