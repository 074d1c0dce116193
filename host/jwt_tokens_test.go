package host_test

import (
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hostd/hostd/host"
	"github.com/hostd/hostd/internal/testwasm"
)

// jwtCacheHost starts a host with key set "ks" (the demo key) and route /j
// served by the jwtcache guest, which verifies X-Token under the policy in
// X-Policy.
func jwtCacheHost(t *testing.T) *testHost {
	t.Helper()
	th := startHost(t, nil)
	expectStatus(t, th.adminDo("PUT", "/v1/keysets/ks", []byte(demoJWKS())), http.StatusCreated)
	th.upload("jc", testwasm.JWTCache)
	th.route("j", `{"path":"/j","handler":{"plugin":"jc","keysets":["ks"]}}`)
	return th
}

// verify sends tok under policy (empty: none) and returns the response.
func (th *testHost) verify(tok, policy string) resp {
	th.t.Helper()
	hdr := []string{"X-Token", tok}
	if policy != "" {
		hdr = append(hdr, "X-Policy", policy)
	}
	return th.get("/j", hdr...)
}

const statusDenied = 400 + 5 // the jwtcache guest's answer to StatusDenied

func cachedTokens(t *testing.T, th *testHost, want int) {
	t.Helper()
	if _, n := host.JWTTokenCache(th.h); n != want {
		t.Fatalf("the token cache holds %d entries, want %d", n, want)
	}
}

// TestJWTCachedTokenExpires: a token verified (and cached) shortly before
// its exp is refused once exp passes, and with a leeway once exp + leeway
// passes, although the same token was answered from the cache until then.
func TestJWTCachedTokenExpires(t *testing.T) {
	th := jwtCacheHost(t)
	exp := time.Now().Add(2 * time.Second).Unix()
	tok := token(t, map[string]any{"iss": "me", "sub": "ann", "exp": exp})
	const lenient = `{"issuer":"me","leeway_ms":1000}`
	for range 3 {
		expectStatus(t, th.verify(tok, `{"issuer":"me"}`), http.StatusOK)
		expectStatus(t, th.verify(tok, lenient), http.StatusOK)
	}
	cachedTokens(t, th, 2) // one per policy, verified once each

	time.Sleep(time.Until(time.Unix(exp, 0).Add(100 * time.Millisecond)))
	r := th.verify(tok, `{"issuer":"me"}`)
	expectStatus(t, r, statusDenied)
	if string(r.body) != "token is expired" {
		t.Errorf("reason %q", r.body)
	}
	expectStatus(t, th.verify(tok, lenient), http.StatusOK) // within the leeway

	time.Sleep(time.Until(time.Unix(exp, 0).Add(time.Second + 100*time.Millisecond)))
	expectStatus(t, th.verify(tok, lenient), statusDenied)
}

// TestJWTCachedTokenAfterKeyRotation: a cached token signed with the old
// key is dropped from the cache and refused once the key set is replaced,
// and verifies again (afresh) when the old key comes back.
func TestJWTCachedTokenAfterKeyRotation(t *testing.T) {
	th := jwtCacheHost(t)
	tok := token(t, map[string]any{"iss": "me", "sub": "ann"})
	expectStatus(t, th.verify(tok, ""), http.StatusOK)
	expectStatus(t, th.verify(tok, ""), http.StatusOK)
	cachedTokens(t, th, 1)

	other := base64.RawURLEncoding.EncodeToString([]byte("another-secret-of-at-least-32-bytes!"))
	rotated := `{"keys":[{"kty":"oct","kid":"demo","alg":"HS256","k":"` + other + `"}]}`
	expectStatus(t, th.adminDo("PUT", "/v1/keysets/ks", []byte(rotated)), http.StatusOK)
	cachedTokens(t, th, 0) // dropped with the old keys
	r := th.verify(tok, "")
	expectStatus(t, r, statusDenied)
	if string(r.body) != "invalid signature" {
		t.Errorf("reason %q", r.body)
	}

	expectStatus(t, th.adminDo("PUT", "/v1/keysets/ks", []byte(demoJWKS())), http.StatusOK)
	cachedTokens(t, th, 0) // refusals are not cached
	expectStatus(t, th.verify(tok, ""), http.StatusOK)
	cachedTokens(t, th, 1)
}

// TestJWTCachedTokenPerPolicy: a token cached under one policy gives
// nothing to another policy of the same binding, and refusals are not
// cached.
func TestJWTCachedTokenPerPolicy(t *testing.T) {
	th := jwtCacheHost(t)
	tok := token(t, map[string]any{"iss": "me", "aud": "api", "sub": "ann"})
	expectStatus(t, th.verify(tok, `{"issuer":"me"}`), http.StatusOK)
	cachedTokens(t, th, 1)
	for _, p := range []string{`{"issuer":"you"}`, `{"issuer":"me","audience":"web"}`, `{"issuer":"me","algorithms":["HS384"]}`} {
		r := th.verify(tok, p)
		if r.status == http.StatusOK {
			t.Errorf("policy %s: accepted from another policy's entry", p)
		}
	}
	cachedTokens(t, th, 1)
	expectStatus(t, th.verify(tok, `{"issuer":"me","audience":"api"}`), http.StatusOK)
	r := th.verify(tok, `{"issuer":"me"}`)
	expectStatus(t, r, http.StatusOK)
	if !strings.Contains(string(r.body), `"sub":"ann"`) {
		t.Errorf("claims %s", r.body)
	}
	cachedTokens(t, th, 2)
}

// TestJWTTokenCacheIsBoundedByBytes: a binding that verifies many
// distinct, valid tokens, each carrying 2 KiB of claims, keeps at most the
// per-binding bound of them, and every token still verifies.
func TestJWTTokenCacheIsBoundedByBytes(t *testing.T) {
	th := jwtCacheHost(t)
	perBinding, _ := host.JWTTokenCacheBounds()
	pad := strings.Repeat("p", 2048)
	const tokens = 600 // some 5 KB each with its claims: about 3 MB in all
	for i := range tokens {
		tok := token(t, map[string]any{"iss": "me", "sub": strconv.Itoa(i), "pad": pad})
		expectStatus(t, th.verify(tok, ""), http.StatusOK)
		if got, _ := host.JWTTokenCache(th.h); got > perBinding {
			t.Fatalf("after %d tokens the cache accounts %d bytes, over the per-binding bound %d", i+1, got, perBinding)
		}
	}
	got, n := host.JWTTokenCache(th.h)
	t.Logf("%d tokens: the cache keeps %d of them in %d bytes", tokens, n, got)
	if n >= tokens || got < perBinding/2 {
		t.Fatalf("the cache keeps %d entries in %d bytes: not filled to its bound, or not evicting", n, got)
	}
}
