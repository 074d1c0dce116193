// Command apikey is a hostd plugin that checks API keys against the
// plugin's KV namespace: a custom policy filter written with the SDK.
//
// As a filter (the default mode) it reads the key from a request header,
// looks up the SHA-256 of the key under "key/<hex>", and lets the request
// through with the key's client name in a request header, or answers 401
// (missing or unknown key), 403 (missing scope) or 503 (KV unavailable).
//
// Bound as a handler with {"mode":"admin"} on a protected route
// "/apikeys/{key}", it provisions keys (PUT, body {"client":..,"scopes":[..]})
// and revokes them (DELETE). Both bindings share the plugin's KV namespace.
// See README.md.
package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"

	"github.com/hostd/hostd/sdk"
)

func init() {
	sdk.HandleConfigure(configure)
	sdk.HandleRequest(onRequest)
}

func main() {}

// keyPrefix namespaces the key records inside the plugin's KV namespace.
const keyPrefix = "key/"

// kvKey returns where the record of apiKey is stored: under its SHA-256,
// so the KV store (and its backups) never hold a usable key.
func kvKey(apiKey string) string { return string(appendKVKey(nil, []byte(apiKey))) }

// appendKVKey appends kvKey(apiKey) to dst.
func appendKVKey(dst, apiKey []byte) []byte {
	sum := sha256.Sum256(apiKey)
	return hex.AppendEncode(append(dst, keyPrefix...), sum[:])
}

// record is the stored value of an API key.
type record struct {
	Client string   `json:"client"`
	Scopes []string `json:"scopes"`
}

// validate checks what the filter relies on: a client name fit for a
// header value and non-empty scopes without spaces or control characters.
func (r record) validate() error {
	if r.Client == "" || !printable(r.Client, true) {
		return errors.New("client must be a non-empty string of printable ASCII")
	}
	for _, s := range r.Scopes {
		if s == "" || !printable(s, false) {
			return errors.New("scopes must be non-empty strings of printable ASCII without spaces")
		}
	}
	return nil
}

// printable reports whether s is visible ASCII, and spaces if space is set.
func printable(s string, space bool) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < ' ' || c > '~' || (c == ' ' && !space) {
			return false
		}
	}
	return true
}

func onRequest(req sdk.Request, resp sdk.Response) sdk.Action {
	if cfg.admin {
		serveAdmin(req, resp)
		return sdk.Respond
	}
	return filter(req.Header(), resp)
}

// Buffers reused by every request: the API key, its KV key and the
// stored record. With them and readRecord, a request that passes
// allocates nothing once they have grown to its size.
var apiKeyBuf, kvKeyBuf, recordBuf []byte

// filter checks the API key in hd and forwards the client name.
func filter(hd sdk.Header, resp sdk.Response) sdk.Action {
	if cfg.forward != "" {
		if err := hd.Remove(cfg.forward); err != nil {
			sdk.Warn("apikey: remove request header " + cfg.forward + ": " + err.Error())
		}
	}
	var ok bool
	apiKeyBuf, ok = hd.AppendValue(apiKeyBuf[:0], cfg.header)
	if !ok || len(apiKeyBuf) == 0 {
		fail(resp, 401, "invalid_api_key", "missing API key in header "+cfg.header)
		return sdk.Respond
	}
	kvKeyBuf = appendKVKey(kvKeyBuf[:0], apiKeyBuf)
	key := unsafeString(kvKeyBuf)
	var found bool
	var err error
	recordBuf, _, found, err = sdk.KV.AppendGet(recordBuf[:0], key)
	switch {
	case err != nil: // a failure, never mistaken for an unknown key
		sdk.Error("apikey: reading the key store: " + err.Error())
		unavailable(resp)
		return sdk.Respond
	case !found:
		fail(resp, 401, "invalid_api_key", "unknown API key")
		return sdk.Respond
	}
	client, hasScope, ok := readRecord(recordBuf, cfg.scope)
	if !ok {
		sdk.Error("apikey: corrupt record " + key)
		fail(resp, 500, "internal", "the key record is corrupt")
		return sdk.Respond
	}
	if !hasScope {
		fail(resp, 403, "insufficient_scope", "the API key lacks scope "+cfg.scope)
		return sdk.Respond
	}
	if cfg.forward != "" {
		if err := hd.Set(cfg.forward, unsafeString(client)); err != nil {
			sdk.Warn("apikey: set request header " + cfg.forward + ": " + err.Error())
		}
	}
	return sdk.Continue
}

// unavailable answers 503 when the key store cannot be used.
func unavailable(resp sdk.Response) {
	resp.Header().Set("Retry-After", "1")
	fail(resp, 503, "unavailable", "the key store is unavailable")
}

// fail sends an error in the same JSON shape as hostd's own errors.
func fail(resp sdk.Response, status int, code, msg string) {
	var body struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	body.Error.Code, body.Error.Message = code, msg
	b, _ := json.Marshal(body)
	send(resp, status, b)
}

// send ends the chain with a JSON body, or no body when b is nil.
func send(resp sdk.Response, status int, b []byte) {
	if b != nil {
		resp.Header().Set("Content-Type", "application/json")
	}
	if err := resp.Send(status, b); err != nil {
		sdk.Error("apikey: send: " + err.Error())
	}
}
