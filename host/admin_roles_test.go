package host_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/hostd/hostd/internal/testwasm"
)

// TestViewerSeesNoBindingSecrets: a viewer reading routes (one and all)
// and triggers gets binding configs redacted; the
// admin reads them as stored. Regression for issue 9 hole 8 (viewer
// tokens read plugin secrets from binding configs).
func TestViewerSeesNoBindingSecrets(t *testing.T) {
	th := ordersHost(t)
	th.upload("hello", testwasm.Hello)
	th.route("secret", `{"path":"/s","filters":[{"plugin":"hello","config":{"api_key":"sk-filter-1234"}}],
		"handler":{"plugin":"hello","config":{"hmac_key":"sk-handler-5678"}}}`)
	expectStatus(t, th.adminDo("PUT", "/v1/triggers/t", []byte(`{"subject":"orders.>","plugin":"orders","config":{"token":"sk-trigger-9"}}`)), 201)
	secrets := []string{"sk-filter-1234", "sk-handler-5678", "sk-trigger-9"}
	for _, path := range []string{"/v1/routes/secret", "/v1/routes", "/v1/triggers", "/v1/triggers/t"} {
		r := th.do("GET", th.admin+path, th.viewer, nil)
		expectStatus(t, r, http.StatusOK)
		for _, s := range secrets {
			if strings.Contains(string(r.body), s) {
				t.Errorf("viewer GET %s shows secret %q: %s", path, s, r.body)
			}
		}
		if !strings.Contains(string(r.body), "redacted") {
			t.Errorf("viewer GET %s: no redaction marker: %s", path, r.body)
		}
	}
	all := string(th.adminDo("GET", "/v1/routes", nil).body) + string(th.adminDo("GET", "/v1/triggers", nil).body)
	for _, s := range secrets {
		if !strings.Contains(all, s) {
			t.Errorf("admin does not see %q: %s", s, all)
		}
	}
}

// TestMetricsRole: a metrics token scrapes /metrics and nothing else.
func TestMetricsRole(t *testing.T) {
	th := startHost(t, nil)
	m := mint(t, th.dir, "metrics")
	r := th.do("GET", th.admin+"/metrics", m, nil)
	expectStatus(t, r, http.StatusOK)
	if !strings.Contains(string(r.body), "# TYPE") {
		t.Fatalf("metrics body %s", truncate(r.body))
	}
	expectStatus(t, th.do("GET", th.admin+"/healthz", "", nil), http.StatusOK)
	for _, c := range []struct{ method, path string }{
		{"GET", "/v1/routes"}, {"GET", "/v1/plugins"}, {"GET", "/v1/keysets"}, {"GET", "/v1/cluster"},
		{"GET", "/v1/audit"}, {"PUT", "/v1/plugins/x"},
	} {
		r := th.do(c.method, th.admin+c.path, m, testwasm.Hello)
		expectStatus(t, r, http.StatusForbidden)
		if code := r.errorCode(t); code != "forbidden" {
			t.Errorf("%s %s: code %s", c.method, c.path, code)
		}
	}
}
