package admin_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/hostd/hostd/host/internal/errs"
)

func (f *fakeControl) PutKeySet(_ context.Context, name string, jwks []byte) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return false, f.fail
	}
	if f.keysets == nil {
		f.keysets = map[string][]byte{}
	}
	_, exists := f.keysets[name]
	f.keysets[name] = bytes.Clone(jwks)
	return !exists, nil
}

func (f *fakeControl) KeySets(context.Context) (map[string][]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return nil, f.fail
	}
	out := map[string][]byte{}
	for k, v := range f.keysets {
		out[k] = bytes.Clone(v)
	}
	return out, nil
}

func (f *fakeControl) KeySet(_ context.Context, name string) ([]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return nil, f.fail
	}
	v, ok := f.keysets[name]
	if !ok {
		return nil, errs.New(errs.NotFound, "keyset_not_found", "key set %q does not exist", name)
	}
	return bytes.Clone(v), nil
}

func (f *fakeControl) DeleteKeySet(_ context.Context, name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return f.fail
	}
	if _, ok := f.keysets[name]; !ok {
		return errs.New(errs.NotFound, "keyset_not_found", "key set %q does not exist", name)
	}
	var users []string
	for _, r := range f.routes {
		for _, b := range r.Bindings() {
			var cfg struct {
				Keyset string `json:"keyset"`
			}
			if json.Unmarshal(b.Config, &cfg) == nil && cfg.Keyset == name {
				users = append(users, r.ID)
			}
		}
	}
	if len(users) > 0 {
		sort.Strings(users)
		return errs.New(errs.Conflict, "keyset_in_use", "key set %q is used by route(s) %s", name, strings.Join(users, ", "))
	}
	delete(f.keysets, name)
	return nil
}

var b64 = base64.RawURLEncoding

// testJWKS returns a JWKS with a fresh RSA, EC, Ed25519 and HMAC key, and
// the HMAC secret as it appears in the document.
func testJWKS(t *testing.T) (doc []byte, secret string) {
	t.Helper()
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ek, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	point, err := ek.PublicKey.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	edPub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	hs := make([]byte, 32)
	if _, err := rand.Read(hs); err != nil {
		t.Fatal(err)
	}
	secret = b64.EncodeToString(hs)
	doc, err = json.Marshal(map[string]any{"keys": []map[string]any{
		{"kty": "RSA", "kid": "rsa", "alg": "RS256", "n": b64.EncodeToString(rk.N.Bytes()),
			"e": b64.EncodeToString(big.NewInt(int64(rk.E)).Bytes())},
		{"kty": "EC", "kid": "ec", "crv": "P-256", "x": b64.EncodeToString(point[1:33]), "y": b64.EncodeToString(point[33:])},
		{"kty": "OKP", "kid": "ed", "crv": "Ed25519", "x": b64.EncodeToString(edPub)},
		{"kty": "oct", "kid": "hs", "alg": "HS256", "k": secret},
	}})
	if err != nil {
		t.Fatal(err)
	}
	return doc, secret
}

// keySetBody is a key set response.
type keySetBody struct {
	Name string                       `json:"name"`
	Keys []map[string]json.RawMessage `json:"keys"`
}

// wantPublic checks that a response shows the four test keys and never
// the HMAC secret.
func wantPublic(t *testing.T, r resp, secret string) {
	t.Helper()
	if bytes.Contains(r.body, []byte(secret)) || bytes.Contains(r.body, []byte(`"k"`)) || bytes.Contains(r.body, []byte(`"d"`)) {
		t.Fatalf("response shows secret material: %s", r.body)
	}
}

func TestKeySetLifecycle(t *testing.T) {
	e := newEnv(t, nil)
	jwks, secret := testJWKS(t)

	var list struct {
		Keysets []keySetBody `json:"keysets"`
	}
	e.do("GET", "/v1/keysets", e.viewer, nil).want(t, http.StatusOK).decode(t, &list)
	if list.Keysets == nil || len(list.Keysets) != 0 {
		t.Fatalf("empty list = %+v", list)
	}

	r := e.do("PUT", "/v1/keysets/idp", e.admin, jwks).want(t, http.StatusCreated)
	wantPublic(t, r, secret)
	var got keySetBody
	r.decode(t, &got)
	if got.Name != "idp" || len(got.Keys) != 4 {
		t.Fatalf("PUT body = %s", r.body)
	}
	if hs := got.Keys[3]; string(hs["kid"]) != `"hs"` || string(hs["alg"]) != `"HS256"` || len(hs) != 3 {
		t.Fatalf("HMAC key shown as %s", r.body)
	}
	if n := got.Keys[0]["n"]; len(n) < 300 {
		t.Fatalf("RSA key lost its modulus: %s", r.body)
	}
	stored, _ := e.ctl.KeySet(t.Context(), "idp")
	if !bytes.Equal(stored, jwks) {
		t.Fatal("Control did not receive the document as sent")
	}
	e.do("PUT", "/v1/keysets/idp", e.admin, jwks).want(t, http.StatusOK)

	r = e.do("GET", "/v1/keysets/idp", e.viewer, nil).want(t, http.StatusOK)
	wantPublic(t, r, secret)
	r.decode(t, &got)
	if got.Name != "idp" || len(got.Keys) != 4 {
		t.Fatalf("GET body = %s", r.body)
	}
	e.do("PUT", "/v1/keysets/b.other", e.admin, jwks).want(t, http.StatusCreated)
	r = e.do("GET", "/v1/keysets", e.viewer, nil).want(t, http.StatusOK)
	wantPublic(t, r, secret)
	r.decode(t, &list)
	names := []string{}
	for _, ks := range list.Keysets {
		names = append(names, ks.Name)
	}
	if !slices.Equal(names, []string{"b.other", "idp"}) || len(list.Keysets[1].Keys) != 4 {
		t.Fatalf("list = %s", r.body)
	}

	withPlugins(t, e, "jwt", "app")
	e.do("PUT", "/v1/routes/api", e.admin, `{"path": "/api", "filters": [{"plugin": "jwt", "config": {"keyset": "idp"}}],
		"handler": {"plugin": "app"}}`).want(t, http.StatusCreated)
	msg := e.do("DELETE", "/v1/keysets/idp", e.admin, nil).wantErr(t, http.StatusConflict, "keyset_in_use")
	if !strings.Contains(msg.Error.Message, "api") {
		t.Fatalf("conflict does not name the route: %q", msg.Error.Message)
	}
	e.do("DELETE", "/v1/routes/api", e.admin, nil).want(t, http.StatusNoContent)
	e.do("DELETE", "/v1/keysets/idp", e.admin, nil).want(t, http.StatusNoContent)
	e.do("GET", "/v1/keysets/idp", e.viewer, nil).wantErr(t, http.StatusNotFound, "keyset_not_found")
	e.do("DELETE", "/v1/keysets/idp", e.admin, nil).wantErr(t, http.StatusNotFound, "keyset_not_found")
}

func TestKeySetErrors(t *testing.T) {
	e := newEnv(t, nil)
	jwks, _ := testJWKS(t)
	bad := `{"keys": [
		{"kty": "oct", "kid": "a", "k": "c2hvcnQ"},
		{"kty": "RSA", "kid": "b", "n": "AQAB", "e": "AQAB", "d": "AQAB"},
		{"kty": "EC", "kid": "a", "crv": "P-256", "x": "AAAA", "y": "AAAA"}
	]}`
	big := append([]byte(`{"keys":[]}`), bytes.Repeat([]byte(" "), 64<<10)...)
	tests := []struct {
		name, path, token string
		body              any
		status            int
		code              string
		inMessage         []string
	}{
		{"bad name", "/v1/keysets/Bad!", e.admin, jwks, 400, "invalid_name", nil},
		{"not JSON", "/v1/keysets/k", e.admin, "keys", 400, "invalid_keyset", []string{"document"}},
		{"empty", "/v1/keysets/k", e.admin, "", 400, "invalid_keyset", nil},
		{"every problem", "/v1/keysets/k", e.admin, bad, 400, "invalid_keyset",
			[]string{"keys[0].k", "keys[1].d", "keys[1].n", "keys[2]"}},
		{"too large", "/v1/keysets/k", e.admin, big, 413, "too_large", []string{"65536"}},
		{"too large chunked", "/v1/keysets/k", e.admin, chunked{bytes.NewReader(big)}, 413, "too_large", nil},
		{"viewer", "/v1/keysets/k", e.viewer, jwks, 403, "forbidden", nil},
		{"no token", "/v1/keysets/k", "", jwks, 401, "unauthorized", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := e.do("PUT", tc.path, tc.token, tc.body).wantErr(t, tc.status, tc.code)
			for _, s := range tc.inMessage {
				if !strings.Contains(got.Error.Message, s) {
					t.Errorf("message %q lacks %q", got.Error.Message, s)
				}
			}
		})
	}
	if sets, _ := e.ctl.KeySets(t.Context()); len(sets) != 0 {
		t.Fatalf("a refused PUT stored a key set: %v", sets)
	}
	e.do("GET", "/v1/keysets/Bad!", e.viewer, nil).wantErr(t, 400, "invalid_name")
	e.do("DELETE", "/v1/keysets/k", e.viewer, nil).wantErr(t, 403, "forbidden")
	e.do("GET", "/v1/keysets", "", nil).wantErr(t, 401, "unauthorized")
}
