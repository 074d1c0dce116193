package admin

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/hostd/hostd/host/internal/keyset"
	"github.com/hostd/hostd/host/internal/model"
)

// Native fuzzing of the admin API's JSON decoding: each target feeds a
// body through the decoder and the normalisation of one resource, as the
// PUT handler does. Properties:
//   - no panic;
//   - a rejected body is an *apiError with a 4xx status and a code from
//     rejectCodes (stable codes only, never "internal");
//   - an accepted body re-encodes to JSON that is accepted again and
//     re-encodes to the same bytes (decode ∘ encode is the identity on
//     what the API stores).
// The seeds (f.Add, and testdata/fuzz/<Target>/ when present) run in every
// `go test`; `go test -fuzz=FuzzDecodeRoute ./host/internal/admin/` explores.

// rejectCodes are the codes a decoding or validation failure may carry.
var rejectCodes = map[string]bool{
	"invalid_json": true, "too_large": true, "invalid_route": true, "invalid_grant": true,
	"id_mismatch": true, "invalid_trigger": true, "invalid_keyset": true, "bad_body": true,
	"invalid_version": true, "invalid_kv_scope": true, "invalid_kv_limit": true, "invalid_kv_settings": true,
	"reserved_subject": true, "invalid_template": true, // codes of newer checks on main
}

// noControl satisfies Control for a server whose decoders are fuzzed; no
// method is called.
type noControl struct{ Control }

func fuzzServer(t testing.TB) *server {
	s, err := newServer(Options{Control: noControl{}, Key: bytes.Repeat([]byte("k"), MinKeyBytes), MaxJSONBytes: 64 << 10})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// decodeBody runs s.decodeJSON on body as a PUT would.
func decodeBody(s *server, body []byte, dst any) error {
	r := httptest.NewRequest(http.MethodPut, "/v1/x", bytes.NewReader(body))
	return s.decodeJSON(httptest.NewRecorder(), r, dst)
}

// checkReject fails unless err is a 4xx apiError with a stable code.
func checkReject(t *testing.T, body []byte, err error) {
	t.Helper()
	var ae *apiError
	if !errors.As(err, &ae) || ae.Status < 400 || ae.Status > 499 || !rejectCodes[ae.Code] || ae.Message == "" {
		t.Fatalf("body %q: rejected with %#v (%v), want a 4xx with a stable code and a message", body, ae, err)
	}
}

// roundTrip checks the accepted value v: its encoding is accepted by
// accept again, and encodes to the same bytes.
func roundTrip[T any](t *testing.T, body []byte, v T, accept func([]byte) (T, error)) {
	t.Helper()
	enc, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("body %q: accepted value does not encode: %v", body, err)
	}
	v2, err := accept(enc)
	if err != nil {
		t.Fatalf("body %q: accepted, but its encoding %s is refused: %v", body, enc, err)
	}
	enc2, err := json.Marshal(v2)
	if err != nil || !bytes.Equal(enc, enc2) {
		t.Fatalf("body %q: encoding changed on a round trip:\n%s\n%s", body, enc, enc2)
	}
}

// fuzzResource is the common driver.
func fuzzResource[T any](f *testing.F, seeds []string, accept func(s *server, body []byte) (T, error)) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	s := fuzzServer(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		v, err := accept(s, body)
		if err != nil {
			checkReject(t, body, err)
			return
		}
		roundTrip(t, body, v, func(b []byte) (T, error) { return accept(s, b) })
	})
}

var routeSeeds = []string{
	`{"path":"/hello/{name}","handler":{"plugin":"hello"}}`,
	`{"id":"r","host":"{sub}.example.com","path_prefix":"/api/","methods":["get","POST","get"],"priority":5,
	  "filters":[{"plugin":"jwt-auth","config":{"keyset":"idp","audience":"x"},"failure":"open",
	  "grants":{"publish":["orders.>"],"request":["svc.*"]}}],"upstream":{"targets":["http://127.0.0.1:9000/base"],"balance":"random","timeout":"2s"}}`,
	`{"path":"/n","nats":{"subject":"svc.echo","timeout":"1s"}}`,
	`{"path":"/x","handler":{"plugin":"h","config":null,"version":3}}`,
	`{"path":"/x","handler":{"plugin":"h"},"upstream":{"targets":[]}}`,
	`{"path":"/x","handler":{"plugin":"h","grants":{"publish":["hostd.events.x"]}}}`,
	`{"path":"/x","handler":{"plugin":"h","config":[1]}}`,
	`{"path":"/x","handler":{"plugin":"h","failure":"open"}}`,
	`{"path":"x"}`, `{"path":"/x","bogus":1}`, `{"path":"/x"} {}`, `[]`, `null`, `{"priority":1e400}`,
	`{"path":"/x","methods":["G ET"],"handler":{"plugin":"h"}}`, `{"path":"\ud800","handler":{"plugin":"h"}}`,
	`{"id":"other","path":"/x","handler":{"plugin":"h"}}`, ``,
}

// FuzzDecodeRoute fuzzes PUT /v1/routes/{id}'s body.
func FuzzDecodeRoute(f *testing.F) {
	fuzzResource(f, routeSeeds, func(s *server, body []byte) (model.Route, error) {
		var rt model.Route
		if err := decodeBody(s, body, &rt); err != nil {
			return rt, err
		}
		if err := checkBodyID(rt.ID, "r"); err != nil {
			return rt, err
		}
		rt.ID = "r"
		rt.CreatedAt, rt.UpdatedAt = time.Time{}, time.Time{} // as the handler does
		err := normaliseRoute(&rt)
		return rt, err
	})
}

var triggerSeeds = []string{
	`{"subject":"orders.>","plugin":"orders"}`,
	`{"id":"t","subject":"orders.*","queue":"workers","plugin":"orders","version":2,"config":{"k":"v"},
	  "grants":{"request":["svc.status"]},"concurrency":8,"timeout":"5s",
	  "jetstream":{"stream":"ORDERS","durable":"d","max_deliver":3,"ack_wait":"10s","dead_letter":"dl.orders"}}`,
	`{"subject":"a b","plugin":"x"}`, `{"subject":"a","plugin":"x","jetstream":{"stream":"bad name"}}`,
	`{"subject":"a","plugin":"x","config":"str"}`, `{"subject":"a","plugin":"X"}`, `{"subject":"a","plugin":"x","queue":"q.*"}`,
}

// FuzzDecodeTrigger fuzzes PUT /v1/triggers/{id}'s body.
func FuzzDecodeTrigger(f *testing.F) {
	fuzzResource(f, triggerSeeds, func(s *server, body []byte) (model.Trigger, error) {
		var tr model.Trigger
		if err := decodeBody(s, body, &tr); err != nil {
			return tr, err
		}
		if err := checkBodyID(tr.ID, "t"); err != nil {
			return tr, err
		}
		tr.ID = "t"
		err := normaliseTrigger(&tr)
		return tr, err
	})
}

var pluginSettingSeeds = []string{
	`{"version":1}`, `{"version":0}`, `{"version":-1}`, `{"version":1.5}`, `{}`,
	`{"scope":"cluster"}`, `{"scope":"node","max_keys":10,"max_bytes":0}`, `{"max_keys":9007199254740993}`,
	`{"max_keys":1e3}`, `{"scope":"moon"}`, `{"max_bytes":"5"}`,
}

// pluginSettings is PUT /v1/plugins/{name}/active or /kv, decoded and
// checked as the handlers do (which one: the body's fields decide).
type pluginSettings struct {
	Active *setActiveRequest `json:"active,omitempty"`
	KV     *model.KVSettings `json:"kv,omitempty"`
}

// FuzzDecodePluginSettings fuzzes the bodies of PUT
// /v1/plugins/{name}/active and /v1/plugins/{name}/kv; each body is tried
// as both.
func FuzzDecodePluginSettings(f *testing.F) {
	for _, s := range pluginSettingSeeds {
		f.Add([]byte(s))
	}
	s := fuzzServer(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		var req setActiveRequest
		err := decodeBody(s, body, &req)
		if err == nil && (req.Version == nil || *req.Version < 1) {
			err = newError(http.StatusBadRequest, "invalid_version", "bad version")
		}
		if err != nil {
			checkReject(t, body, err)
		} else {
			roundTrip(t, body, req, func(b []byte) (setActiveRequest, error) {
				var r setActiveRequest
				return r, decodeBody(s, b, &r)
			})
		}
		set, err := kvSettings(s, body)
		if err != nil {
			checkReject(t, body, err)
			return
		}
		enc, _ := json.Marshal(kvRequestOf(set))
		set2, err := kvSettings(s, enc)
		if err != nil || !equalKV(set, set2) {
			t.Fatalf("kv body %q: re-encoded as %s: %+v, %v; want %+v", body, enc, set2, err, set)
		}
	})
}

// kvSettings is setKV's decoding and checks.
func kvSettings(s *server, body []byte) (model.KVSettings, error) {
	var req kvRequest
	var set model.KVSettings
	if err := decodeBody(s, body, &req); err != nil {
		return set, err
	}
	if req.Scope != nil {
		if *req.Scope != model.KVScopeNode && *req.Scope != model.KVScopeCluster {
			return set, newError(http.StatusBadRequest, "invalid_kv_scope", "bad scope")
		}
		set.Scope = req.Scope
	}
	var err error
	if set.MaxKeys, err = kvLimit("max_keys", req.MaxKeys); err != nil {
		return set, err
	}
	if set.MaxBytes, err = kvLimit("max_bytes", req.MaxBytes); err != nil {
		return set, err
	}
	if set.Scope == nil && set.MaxKeys == nil && set.MaxBytes == nil {
		return set, newError(http.StatusBadRequest, "invalid_kv_settings", "nothing set")
	}
	return set, nil
}

func kvRequestOf(set model.KVSettings) map[string]any {
	m := map[string]any{}
	if set.Scope != nil {
		m["scope"] = *set.Scope
	}
	if set.MaxKeys != nil {
		m["max_keys"] = *set.MaxKeys
	}
	if set.MaxBytes != nil {
		m["max_bytes"] = *set.MaxBytes
	}
	return m
}

func equalKV(a, b model.KVSettings) bool {
	a1, _ := json.Marshal(kvRequestOf(a))
	b1, _ := json.Marshal(kvRequestOf(b))
	return bytes.Equal(a1, b1)
}

var keySetSeeds = []string{
	`{"keys":[{"kty":"oct","kid":"k","alg":"HS256","k":"c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LTMyYnk"}]}`,
	`{"keys":[{"kty":"OKP","crv":"Ed25519","kid":"ed","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}`,
	`{"keys":[{"kty":"RSA","kid":"r","n":"AQAB","e":"AQAB","d":"AQAB"}]}`,
	`{"keys":[]}`, `{"keys":[{"kty":"EC","crv":"P-256","x":"","y":""}]}`, `{}`, `[]`, `{"keys":null}`,
}

// FuzzDecodeKeySet fuzzes PUT /v1/keysets/{name}: keyset.Parse decides,
// a refusal is a 400 invalid_keyset, and an accepted document's public
// view (what GET shows, to viewers too) is a list of keys without any
// private member (d, p, q, dp, dq, qi, oth, or an HMAC secret k).
func FuzzDecodeKeySet(f *testing.F) {
	for _, s := range keySetSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		if len(body) > keyset.MaxDocumentBytes {
			return // readKeySet answers 413 before parsing
		}
		if _, err := keyset.Parse(body); err != nil {
			checkReject(t, body, invalidKeySet(err))
			return
		}
		v, err := publicView("k", body)
		if err != nil {
			t.Fatalf("body %q: accepted but no public view: %v", body, err)
		}
		var keys []map[string]json.RawMessage
		if err := json.Unmarshal(v.Keys, &keys); err != nil {
			t.Fatalf("body %q: public view %s is not a list of keys: %v", body, v.Keys, err)
		}
		for i, k := range keys {
			for _, private := range []string{"d", "p", "q", "dp", "dq", "qi", "oth", "k"} {
				if _, ok := k[private]; ok {
					t.Fatalf("body %q: public view key %d shows private member %q: %s", body, i, private, v.Keys)
				}
			}
		}
	})
}
