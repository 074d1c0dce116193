// Command jwt-auth is hostd's built-in JWT filter: it reads a token from a
// header or a cookie, has the host verify it against a key set (the keys
// never enter the plugin), checks required claims, and forwards claims to
// the next element as request headers. docs/builtin-plugins.md documents
// the configuration.
package main

import (
	"errors"

	"github.com/hostd/hostd/abi"
	"github.com/hostd/hostd/sdk"
)

func init() {
	sdk.HandleConfigure(configure)
	sdk.HandleRequest(onRequest)
}

func main() {}

// cfg is parsed once per instance, in on_configure.
var cfg filterConfig

// claimsBuf holds the request's verified claims and fwdBuf the value of a
// forwarded header; both are reused, so an accepted request allocates
// nothing once they have grown to its size.
var claimsBuf, fwdBuf []byte

// onRequest authenticates the request and passes it on, or answers 401,
// 403 or 503.
func onRequest(req sdk.Request, resp sdk.Response) sdk.Action {
	if cfg.keyset == "" {
		sdk.Error("jwt-auth: request before a successful configuration")
		sendError(resp, 500, "not_configured", "the authentication filter is not configured")
		return sdk.Respond
	}
	hd := req.Header()
	token, missing := readToken(hd, cfg.source)
	removeForwarded(hd)
	if missing != "" {
		challenge(resp, `Bearer`)
		sendError(resp, 401, "invalid_token", missing)
		return sdk.Respond
	}
	var err error
	claimsBuf, err = sdk.AppendJWTClaims(claimsBuf[:0], cfg.keyset, token, cfg.policy)
	claims := claimsBuf
	if err != nil {
		verifyFailed(resp, err)
		return sdk.Respond
	}
	if claim, ok := satisfied(claims, cfg.require); !ok {
		challenge(resp, `Bearer error="insufficient_scope"`)
		sendError(resp, 403, "insufficient_scope", "the token does not grant access: claim "+claim+" does not match")
		return sdk.Respond
	}
	setForwarded(hd, claims)
	return sdk.Continue
}

// verifyFailed answers a token the host did not accept: 401 when the token
// is at fault, 503 when the key set is missing or the host cannot verify.
func verifyFailed(resp sdk.Response, err error) {
	var jerr *sdk.JWTError
	switch {
	case errors.As(err, &jerr), errors.Is(err, sdk.ErrDenied), errors.Is(err, sdk.ErrTooLarge):
		reason := "invalid token"
		if jerr != nil && jerr.Reason != "" {
			reason = jerr.Reason
		} else if errors.Is(err, sdk.ErrTooLarge) {
			reason = "token too large"
		}
		if sdk.LogEnabled(abi.LogLevelDebug) {
			sdk.Debug("jwt-auth: token rejected: " + reason)
		}
		challenge(resp, `Bearer error="invalid_token", error_description="`+authParam(reason)+`"`)
		sendError(resp, 401, "invalid_token", reason)
	case errors.Is(err, sdk.ErrNotFound):
		sdk.Error("jwt-auth: key set " + cfg.keyset + " is not granted to this binding or does not exist: " +
			`list it in the binding's "keysets" and create it with PUT /v1/keysets/` + cfg.keyset)
		sendError(resp, 503, "keyset_unavailable", "the key set for verifying tokens is unavailable")
	default:
		sdk.Error("jwt-auth: verifying a token with key set " + cfg.keyset + ": " + err.Error())
		sendError(resp, 503, "unavailable", "token verification is unavailable")
	}
}

// removeForwarded deletes the incoming headers that forward_claims sets,
// so a client cannot forge them.
func removeForwarded(hd sdk.Header) {
	for _, f := range cfg.forwards {
		if err := hd.Remove(f.header); err != nil {
			sdk.Warn("jwt-auth: remove request header " + f.header + ": " + err.Error())
		}
	}
}

// setForwarded copies the configured claims into request headers; absent
// claims leave their header unset.
func setForwarded(hd sdk.Header, claims []byte) {
	for _, f := range cfg.forwards {
		raw, ok := lookup(claims, f.claim)
		if !ok {
			continue
		}
		if fwdBuf, ok = appendHeaderValue(fwdBuf[:0], raw); !ok {
			continue
		}
		if err := hd.Set(f.header, unsafeString(fwdBuf)); err != nil {
			sdk.Warn("jwt-auth: set request header " + f.header + " from claim " + f.claim + ": " + err.Error())
		}
	}
}

// challenge sets WWW-Authenticate.
func challenge(resp sdk.Response, v string) {
	if err := resp.Header().Set("WWW-Authenticate", v); err != nil {
		sdk.Error("jwt-auth: set WWW-Authenticate: " + err.Error())
	}
}

// sendError ends the chain with a JSON error body.
func sendError(resp sdk.Response, status int, code, msg string) {
	if err := resp.Header().Set("Content-Type", "application/json"); err != nil {
		sdk.Error("jwt-auth: set Content-Type: " + err.Error())
	}
	body := make([]byte, 0, 48+len(code)+len(msg))
	body = append(body, `{"error":{"code":"`...)
	body = append(body, code...)
	body = append(body, `","message":`...)
	body = appendJSONString(body, msg)
	body = append(body, "}}"...)
	if err := resp.Send(status, body); err != nil {
		sdk.Error("jwt-auth: send: " + err.Error())
	}
}

// authParam makes s fit an error_description value: RFC 6750 §3 allows
// only printable ASCII without the double quote and the backslash, so a
// double quote becomes an apostrophe, a backslash a slash, and anything
// else outside the set a question mark.
func authParam(s string) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	b := []byte(s)
	for i, c := range b {
		switch {
		case c == '"':
			b[i] = '\''
		case c == '\\':
			b[i] = '/'
		case c < 0x20 || c > 0x7e:
			b[i] = '?'
		}
	}
	return string(b)
}
