package host_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"strings"
	"testing"

	"github.com/hostd/hostd/internal/testwasm"
)

func TestKeySetsThroughTheHost(t *testing.T) {
	th := startHost(t, nil)
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		t.Fatal(err)
	}
	k := base64.RawURLEncoding.EncodeToString(secret)
	jwks := `{"keys":[{"kty":"OKP","crv":"Ed25519","kid":"ed","x":"` + base64.RawURLEncoding.EncodeToString(pub) +
		`"},{"kty":"oct","kid":"hs","k":"` + k + `"}]}`

	r := th.adminDo("PUT", "/v1/keysets/idp", []byte(`{"keys":[{"kty":"RSA","kid":"r","n":"AQAB","e":"AQAB","d":"AQAB"}]}`))
	expectStatus(t, r, http.StatusBadRequest)
	if code := r.errorCode(t); code != "invalid_keyset" {
		t.Fatalf("code %q", code)
	}
	expectStatus(t, th.adminDo("PUT", "/v1/keysets/idp", []byte(jwks)), http.StatusCreated)
	expectStatus(t, th.adminDo("PUT", "/v1/keysets/idp", []byte(jwks)), http.StatusOK)

	th.upload("cfg", testwasm.ConfigEcho)
	th.route("a", `{"path":"/a","handler":{"plugin":"cfg","keysets":["idp"]}}`)
	r = th.adminDo("DELETE", "/v1/keysets/idp", nil)
	expectStatus(t, r, http.StatusConflict)
	if code := r.errorCode(t); code != "keyset_in_use" {
		t.Fatalf("code %q", code)
	}

	th = th.restart(nil)
	r = th.do("GET", th.admin+"/v1/keysets", th.viewer, nil)
	expectStatus(t, r, http.StatusOK)
	if !strings.Contains(string(r.body), `"name":"idp"`) || strings.Contains(string(r.body), k) {
		t.Fatalf("list after restart: %s", r.body)
	}
	expectStatus(t, th.adminDo("DELETE", "/v1/routes/a", nil), http.StatusNoContent)
	expectStatus(t, th.adminDo("DELETE", "/v1/keysets/idp", nil), http.StatusNoContent)
	expectStatus(t, th.adminDo("GET", "/v1/keysets/idp", nil), http.StatusNotFound)
}
