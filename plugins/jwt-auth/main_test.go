package main

import (
	"encoding/json"
	"testing"

	"github.com/hostd/hostd/abi"
	"github.com/hostd/hostd/sdk/sdktest"
)

// fakeIdP is the fake host's key set "idp": tokens it accepts map to their
// claims, tokens it rejects to a reason.
type fakeIdP struct {
	valid  map[string]string // token → claims JSON
	reason map[string]string // token → rejection reason
	calls  []string          // tokens verified
	policy string            // policy of the last call
}

func (f *fakeIdP) verify(keyset, token, policy string) (string, abi.Status) {
	f.calls = append(f.calls, token)
	f.policy = policy
	if keyset != "idp" {
		return "", abi.StatusNotFound
	}
	if c, ok := f.valid[token]; ok {
		return c, abi.StatusOK
	}
	if r, ok := f.reason[token]; ok {
		return r, abi.StatusDenied
	}
	return "invalid signature", abi.StatusDenied
}

func newIdP() *fakeIdP {
	return &fakeIdP{
		valid: map[string]string{
			"good":   `{"sub":"user-1","iss":"https://idp","scope":"read write","roles":["user","admin"],"tier":"gold","level":3,"org":{"id":7, "name":"acme"}}`,
			"basic":  `{"sub":"user-2","scope":"read","roles":["user"],"tier":"free","level":1}`,
			"no-sub": `{"scope":"read"}`,
			"ctl":    `{"sub":"evil\nX-Injected: 1"}`,
		},
		reason: map[string]string{
			"expired": "token is expired",
			"quoted":  `bad "kid" \ here`,
		},
	}
}

// setup returns a configured Host whose key set "idp" is idp.
func setup(t *testing.T, config string, idp *fakeIdP) *sdktest.Host {
	t.Helper()
	h := sdktest.New(t)
	h.JWT = idp.verify
	h.Config = []byte(config)
	if st := h.CallConfigure(); st != abi.StatusOK {
		t.Fatalf("configure: %v (logs %v)", st, h.Logs)
	}
	return h
}

// errorBody decodes the JSON error of the response.
func errorBody(t *testing.T, h *sdktest.Host) (code, msg string) {
	t.Helper()
	if ct := h.Response.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	var body struct {
		Error struct{ Code, Message string }
	}
	if err := json.Unmarshal(h.Response.Body, &body); err != nil {
		t.Fatalf("body %q: %v", h.Response.Body, err)
	}
	return body.Error.Code, body.Error.Message
}

// assertDenied checks status, challenge and error code of a denial.
func assertDenied(t *testing.T, h *sdktest.Host, a abi.Action, status int, challenge, code string) (msg string) {
	t.Helper()
	if a != abi.ActionRespond || !h.Sent || h.Response.Status != status {
		t.Fatalf("action %v sent %v status %d, want respond %d", a, h.Sent, h.Response.Status, status)
	}
	if got := h.Response.Header.Values("Www-Authenticate"); challenge == "" && got != nil ||
		challenge != "" && (len(got) != 1 || got[0] != challenge) {
		t.Errorf("WWW-Authenticate %q, want %q", got, challenge)
	}
	gotCode, msg := errorBody(t, h)
	if gotCode != code {
		t.Errorf("code %q, want %q (message %q)", gotCode, code, msg)
	}
	return msg
}

func assertPassed(t *testing.T, h *sdktest.Host, a abi.Action) {
	t.Helper()
	if a != abi.ActionContinue || h.Sent {
		t.Fatalf("action %v sent %v (status %d body %s), want continue", a, h.Sent, h.Response.Status, h.Response.Body)
	}
}

const invalidToken = `Bearer error="invalid_token"`

func TestBearerHeader(t *testing.T) {
	tests := []struct {
		name, authorization  string // "" means no header
		status               int    // 0: passes
		challenge, code, msg string
	}{
		{"valid", "Bearer good", 0, "", "", ""},
		{"scheme is case-insensitive", "bearer good", 0, "", "", ""},
		{"missing header", "", 401, "Bearer", "invalid_token", "no Authorization header"},
		{"wrong scheme", "Basic dXNlcjpwdw==", 401, "Bearer", "invalid_token", "no Bearer token in the Authorization header"},
		{"empty token", "Bearer ", 401, "Bearer", "invalid_token", "no Bearer token in the Authorization header"},
		{"bad signature", "Bearer forged", 401, invalidToken + `, error_description="invalid signature"`, "invalid_token", "invalid signature"},
		{"expired", "Bearer expired", 401, invalidToken + `, error_description="token is expired"`, "invalid_token", "token is expired"},
		{"reason with quotes", "Bearer quoted", 401, invalidToken + `, error_description="bad 'kid' / here"`, "invalid_token", `bad "kid" \ here`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			idp := newIdP()
			h := setup(t, `{"keyset":"idp"}`, idp)
			if tc.authorization != "" {
				h.Request.Header.Set("Authorization", tc.authorization)
			}
			a := h.CallRequest()
			if tc.status == 0 {
				assertPassed(t, h, a)
				if len(idp.calls) != 1 || idp.calls[0] != "good" {
					t.Errorf("host verified %q, want [good]", idp.calls)
				}
				return
			}
			if msg := assertDenied(t, h, a, tc.status, tc.challenge, tc.code); msg != tc.msg {
				t.Errorf("message %q, want %q", msg, tc.msg)
			}
			if tc.challenge == "Bearer" && len(idp.calls) != 0 {
				t.Errorf("host asked to verify %q without a token", idp.calls)
			}
		})
	}
}

func TestPolicyPassedToHost(t *testing.T) {
	idp := newIdP()
	h := setup(t, `{"keyset":"idp","issuer":"https://idp","audience":"api","algorithms":["ES256"],"leeway":"5s"}`, idp)
	h.Request.Header.Set("Authorization", "Bearer good")
	assertPassed(t, h, h.CallRequest())
	want := `{"issuer":"https://idp","audience":["api"],"algorithms":["ES256"],"leeway_ms":5000}`
	if idp.policy != want {
		t.Errorf("policy %s, want %s", idp.policy, want)
	}
}

func TestTokenFromCookie(t *testing.T) {
	const config = `{"keyset":"idp","token_from":{"cookie":"session"}}`
	t.Run("valid", func(t *testing.T) {
		idp := newIdP()
		h := setup(t, config, idp)
		h.Request.Header["Cookie"] = []string{"theme=dark", "a=1; session=good; b=2"}
		assertPassed(t, h, h.CallRequest())
		if len(idp.calls) != 1 || idp.calls[0] != "good" {
			t.Errorf("host verified %q", idp.calls)
		}
	})
	t.Run("no cookie, Authorization ignored", func(t *testing.T) {
		idp := newIdP()
		h := setup(t, config, idp)
		h.Request.Header.Set("Authorization", "Bearer good")
		h.Request.Header.Set("Cookie", "sessionx=good")
		msg := assertDenied(t, h, h.CallRequest(), 401, "Bearer", "invalid_token")
		if msg != "no token in cookie session" || len(idp.calls) != 0 {
			t.Errorf("message %q, calls %q", msg, idp.calls)
		}
	})
	t.Run("rejected", func(t *testing.T) {
		h := setup(t, config, newIdP())
		h.Request.Header.Set("Cookie", "session=expired")
		assertDenied(t, h, h.CallRequest(), 401, invalidToken+`, error_description="token is expired"`, "invalid_token")
	})
}

func TestTokenFromHeader(t *testing.T) {
	idp := newIdP()
	h := setup(t, `{"keyset":"idp","token_from":{"header":"X-Token"}}`, idp)
	h.Request.Header.Set("X-Token", " good ")
	assertPassed(t, h, h.CallRequest())

	h = setup(t, `{"keyset":"idp","token_from":{"header":"X-Token"}}`, idp)
	h.Request.Header.Set("Authorization", "Bearer good")
	if msg := assertDenied(t, h, h.CallRequest(), 401, "Bearer", "invalid_token"); msg != "no X-Token header" {
		t.Errorf("message %q", msg)
	}
}

func TestRequiredClaims(t *testing.T) {
	const config = `{"keyset":"idp","required_claims":{
		"tier": "gold",
		"level": 3,
		"scope": {"contains": ["read", "write"]},
		"roles": {"contains": "admin"}
	}}`
	tests := []struct {
		token  string
		passes bool
		claim  string
	}{
		{"good", true, ""},
		{"basic", false, "level"}, // level 1 ≠ 3; checked in claim-name order
		{"no-sub", false, "level"},
	}
	for _, tc := range tests {
		t.Run(tc.token, func(t *testing.T) {
			h := setup(t, config, newIdP())
			h.Request.Header.Set("Authorization", "Bearer "+tc.token)
			a := h.CallRequest()
			if tc.passes {
				assertPassed(t, h, a)
				return
			}
			msg := assertDenied(t, h, a, 403, `Bearer error="insufficient_scope"`, "insufficient_scope")
			if want := "the token does not grant access: claim " + tc.claim + " does not match"; msg != want {
				t.Errorf("message %q, want %q", msg, want)
			}
		})
	}
}

func TestRequiredScopeString(t *testing.T) {
	for _, tc := range []struct {
		scope  string
		passes bool
	}{{"write", true}, {"read", true}, {"admin", false}, {"rea", false}} {
		h := setup(t, `{"keyset":"idp","required_claims":{"scope":{"contains":"`+tc.scope+`"}}}`, newIdP())
		h.Request.Header.Set("Authorization", "Bearer good")
		a := h.CallRequest()
		if tc.passes {
			assertPassed(t, h, a)
		} else {
			assertDenied(t, h, a, 403, `Bearer error="insufficient_scope"`, "insufficient_scope")
		}
	}
}

func TestForwardClaims(t *testing.T) {
	const config = `{"keyset":"idp","forward_claims":{"sub":"X-User","level":"X-Level","roles":"X-Roles","org":"X-Org","missing":"X-Missing"}}`
	h := setup(t, config, newIdP())
	h.Request.Header.Set("Authorization", "Bearer good")
	// Forgeries: every forwarded header arrives from the client.
	h.Request.Header["X-User"] = []string{"admin", "root"}
	h.Request.Header.Set("X-Missing", "forged")
	h.Request.Header.Set("X-Level", "99")
	assertPassed(t, h, h.CallRequest())
	want := map[string]string{
		"X-User":  "user-1",
		"X-Level": "3",
		"X-Roles": `["user","admin"]`,
		"X-Org":   `{"id":7,"name":"acme"}`,
	}
	for name, v := range want {
		if got := h.Request.Header.Values(name); len(got) != 1 || got[0] != v {
			t.Errorf("%s = %q, want %q", name, got, v)
		}
	}
	if got, ok := h.Request.Header["X-Missing"]; ok {
		t.Errorf("X-Missing = %q: forged header kept for an absent claim", got)
	}
	if got := h.Request.Header.Get("Authorization"); got != "Bearer good" {
		t.Errorf("Authorization = %q", got)
	}
}

// TestForwardedHeadersRemovedOnDenial checks that forged headers are gone
// whatever the outcome.
func TestForwardedHeadersRemovedOnDenial(t *testing.T) {
	for _, auth := range []string{"", "Bearer expired"} {
		h := setup(t, `{"keyset":"idp","forward_claims":{"sub":"X-User"}}`, newIdP())
		if auth != "" {
			h.Request.Header.Set("Authorization", auth)
		}
		h.Request.Header.Set("X-User", "admin")
		if a := h.CallRequest(); a != abi.ActionRespond {
			t.Fatalf("%q: action %v", auth, a)
		}
		if got, ok := h.Request.Header["X-User"]; ok {
			t.Errorf("%q: X-User = %q after denial", auth, got)
		}
	}
}

func TestForwardInvalidValueIsLogged(t *testing.T) {
	h := setup(t, `{"keyset":"idp","forward_claims":{"sub":"X-User"}}`, newIdP())
	h.Request.Header.Set("Authorization", "Bearer ctl")
	h.Request.Header.Set("X-User", "forged")
	assertPassed(t, h, h.CallRequest())
	if got, ok := h.Request.Header["X-User"]; ok {
		t.Errorf("X-User = %q", got)
	}
	if !h.Logged(abi.LogLevelWarn, "set request header X-User from claim sub") {
		t.Errorf("logs %v", h.Logs)
	}
}

func TestUnknownKeyset(t *testing.T) {
	h := setup(t, `{"keyset":"nope"}`, newIdP())
	h.Request.Header.Set("Authorization", "Bearer good")
	assertDenied(t, h, h.CallRequest(), 503, "", "keyset_unavailable")
	if !h.Logged(abi.LogLevelError, "key set nope is not granted to this binding or does not exist") {
		t.Errorf("logs %v", h.Logs)
	}
}

func TestHostWithoutJWT(t *testing.T) {
	h := setup(t, `{"keyset":"idp"}`, newIdP())
	h.JWT = nil
	h.Request.Header.Set("Authorization", "Bearer good")
	assertDenied(t, h, h.CallRequest(), 503, "", "unavailable")
	if !h.Logged(abi.LogLevelError, "verifying a token with key set idp") {
		t.Errorf("logs %v", h.Logs)
	}
}

func TestInvalidConfig(t *testing.T) {
	for _, config := range invalidConfigs {
		t.Run(config, func(t *testing.T) {
			h := sdktest.New(t)
			h.Config = []byte(config)
			if st := h.CallConfigure(); st != abi.StatusInvalidArgument {
				t.Errorf("status %v, want invalid_argument", st)
			}
			if !h.Logged(abi.LogLevelError, "jwt-auth: configuration:") {
				t.Errorf("logs %v", h.Logs)
			}
		})
	}
}

// TestRejectedConfigClearsPrevious checks that an instance whose new
// configuration was rejected lets nothing through.
func TestRejectedConfigClearsPrevious(t *testing.T) {
	h := setup(t, `{"keyset":"idp"}`, newIdP())
	h.Config = []byte(`{"keyset":"idp","leeway":"-1s"}`)
	if st := h.CallConfigure(); st != abi.StatusInvalidArgument {
		t.Fatalf("status %v", st)
	}
	h.Request.Header.Set("Authorization", "Bearer good")
	assertDenied(t, h, h.CallRequest(), 500, "", "not_configured")
}
