package host_test

import (
	"net/http"
	"os"
	"strings"
	"testing"
)

// TestProtectWalkthroughFiles stores the README's "Protect an API" key set
// and route as they are in examples/protect and checks that the demo token
// gets past jwt-auth (the upstream is not running: 502), which needs the
// route's "keysets" grant.
func TestProtectWalkthroughFiles(t *testing.T) {
	read := func(name string) []byte {
		b, err := os.ReadFile("../examples/protect/" + name)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	th := startHost(t, nil)
	expectStatus(t, th.adminDo("PUT", "/v1/keysets/demo", read("jwks.json")), http.StatusCreated)
	route := strings.ReplaceAll(string(read("route.json")), "127.0.0.1:9001", "127.0.0.1:1")
	expectStatus(t, th.adminDo("PUT", "/v1/routes/api", []byte(route)), http.StatusCreated)
	expectStatus(t, th.get("/api/hello"), http.StatusUnauthorized)
	token := strings.TrimSpace(string(read("token.txt")))
	if r := th.get("/api/hello", "Authorization", "Bearer "+token); r.status != http.StatusBadGateway {
		t.Fatalf("status %d, want 502 (past jwt-auth, upstream down): %s", r.status, r.body)
	}
}
