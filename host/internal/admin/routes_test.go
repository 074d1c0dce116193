package admin_test

import (
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/hostd/hostd/host/internal/admin"
	"github.com/hostd/hostd/host/internal/model"
)

// withPlugins uploads the named plugins.
func withPlugins(t *testing.T, e *env, names ...string) {
	t.Helper()
	for _, n := range names {
		e.do("PUT", "/v1/plugins/"+n, e.admin, wasmModule(n)).want(t, http.StatusCreated)
	}
}

func TestRouteLifecycle(t *testing.T) {
	e := newEnv(t, nil)
	withPlugins(t, e, "auth", "hello")
	body := `{
		"id": "hello",
		"path": "/hello/{name}",
		"host": "example.com",
		"methods": ["get", "Post", "GET"],
		"priority": 5,
		"filters": [{"plugin": "auth", "config": {"realm": "x"}}],
		"handler": {"plugin": "hello", "version": 1},
		"created_at": "2001-01-01T00:00:00Z",
		"updated_at": "2001-01-01T00:00:00Z"
	}`
	var got model.Route
	e.do("PUT", "/v1/routes/hello", e.admin, body).want(t, http.StatusCreated).decode(t, &got)
	if got.ID != "hello" || got.Path != "/hello/{name}" || got.Priority != 5 || got.Host != "example.com" {
		t.Fatalf("stored = %+v", got)
	}
	if !reflect.DeepEqual(got.Methods, []string{"GET", "POST"}) {
		t.Fatalf("methods = %v, want [GET POST]", got.Methods)
	}
	if string(got.Filters[0].Config) != `{"realm":"x"}` || got.Handler.Plugin != "hello" || got.Handler.Version != 1 {
		t.Fatalf("bindings = %+v / %+v", got.Filters, got.Handler)
	}
	sent := e.ctl.last()
	if !sent.CreatedAt.IsZero() || !sent.UpdatedAt.IsZero() {
		t.Fatalf("timestamps from the body reached Control: %v %v", sent.CreatedAt, sent.UpdatedAt)
	}

	// Replace, without an id in the body.
	got = model.Route{}
	e.do("PUT", "/v1/routes/hello", e.admin, `{"path_prefix": "/h/", "handler": {"plugin": "hello", "config": null}}`).
		want(t, http.StatusOK).decode(t, &got)
	if got.PathPrefix != "/h/" || got.Path != "" || got.ID != "hello" || got.Handler.Config != nil {
		t.Fatalf("replaced = %+v", got)
	}
	if e.ctl.last().Methods != nil {
		t.Fatalf("methods = %v, want none", e.ctl.last().Methods)
	}

	var list struct{ Routes []model.Route }
	e.do("GET", "/v1/routes", e.viewer, nil).want(t, http.StatusOK).decode(t, &list)
	if len(list.Routes) != 1 || list.Routes[0].ID != "hello" {
		t.Fatalf("list = %+v", list)
	}
	got = model.Route{}
	e.do("GET", "/v1/routes/hello", e.viewer, nil).want(t, http.StatusOK).decode(t, &got)
	if got.PathPrefix != "/h/" {
		t.Fatalf("get = %+v", got)
	}
	e.do("DELETE", "/v1/routes/hello", e.admin, nil).want(t, http.StatusNoContent)
	e.do("GET", "/v1/routes/hello", e.viewer, nil).wantErr(t, http.StatusNotFound, "route_not_found")
	e.do("DELETE", "/v1/routes/hello", e.admin, nil).wantErr(t, http.StatusNotFound, "route_not_found")

	r := e.do("GET", "/v1/routes", e.viewer, nil).want(t, http.StatusOK)
	if strings.TrimSpace(string(r.body)) != `{"routes":[]}` {
		t.Fatalf("empty list = %s", r.body)
	}
}

func TestRouteErrors(t *testing.T) {
	e := newEnv(t, func(o *admin.Options) { o.MaxJSONBytes = 512 })
	withPlugins(t, e, "h")
	tests := []struct {
		name    string
		id      string
		body    string
		status  int
		code    string
		message string // a substring the message must contain
	}{
		{"syntax", "r", `{"path": "/a",}`, 400, "invalid_json", "byte"},
		{"unknown field", "r", `{"path": "/a", "handlr": {"plugin": "h"}}`, 400, "invalid_json", `"handlr"`},
		{"trailing data", "r", `{"path": "/a", "handler": {"plugin": "h"}} {}`, 400, "invalid_json", "after"},
		{"trailing garbage", "r", `{"path": "/a", "handler": {"plugin": "h"}} x`, 400, "invalid_json", ""},
		{"wrong type", "r", `{"path": "/a", "priority": "high", "handler": {"plugin": "h"}}`, 400, "invalid_json", "priority"},
		{"not an object", "r", `[1]`, 400, "invalid_json", "object"},
		{"empty body", "r", ``, 400, "invalid_json", "empty"},
		{"too large", "r", `{"path": "/` + strings.Repeat("a", 600) + `"}`, 413, "too_large", "512"},
		{"id mismatch", "r", `{"id": "s", "path": "/a", "handler": {"plugin": "h"}}`, 400, "id_mismatch", ""},
		{"bad id", "-r", `{"path": "/a", "handler": {"plugin": "h"}}`, 400, "invalid_name", ""},
		{"id too long", strings.Repeat("r", 129), `{"path": "/a", "handler": {"plugin": "h"}}`, 400, "invalid_name", ""},
		{"no path", "r", `{"handler": {"plugin": "h"}}`, 400, "invalid_route", "path"},
		{"both paths", "r", `{"path": "/a", "path_prefix": "/b", "handler": {"plugin": "h"}}`, 400, "invalid_route", "only one"},
		{"relative path", "r", `{"path": "a", "handler": {"plugin": "h"}}`, 400, "invalid_route", "start with"},
		{"relative prefix", "r", `{"path_prefix": "a/", "handler": {"plugin": "h"}}`, 400, "invalid_route", "start with"},
		{"bad method", "r", `{"path": "/a", "methods": ["GE T"], "handler": {"plugin": "h"}}`, 400, "invalid_route", "GE T"},
		{"empty method", "r", `{"path": "/a", "methods": [""], "handler": {"plugin": "h"}}`, 400, "invalid_route", "methods"},
		{"no handler", "r", `{"path": "/a"}`, 400, "invalid_route", "handler"},
		{"no target names nats", "r", `{"path": "/a"}`, 400, "invalid_route", `"nats"`},
		{"handler and nats", "r", `{"path": "/a", "handler": {"plugin": "h"}, "nats": {"subject": "a"}}`, 400, "invalid_route", "only one"},
		{"upstream and nats", "r", `{"path": "/a", "upstream": {"targets": ["http://a"]}, "nats": {"subject": "a"}}`, 400, "invalid_route", "only one"},
		{"nats unknown field", "r", `{"path": "/a", "nats": {"subjct": "a"}}`, 400, "invalid_json", "subjct"},
		{"filter without plugin", "r", `{"path": "/a", "filters": [{}], "handler": {"plugin": "h"}}`, 400, "invalid_route", "filters[0]"},
		{"handler bad plugin name", "r", `{"path": "/a", "handler": {"plugin": "H!"}}`, 400, "invalid_route", "handler"},
		{"negative version", "r", `{"path": "/a", "handler": {"plugin": "h", "version": -1}}`, 400, "invalid_route", "version"},
		{"config string", "r", `{"path": "/a", "handler": {"plugin": "h", "config": "x"}}`, 400, "invalid_route", "config"},
		{"config array", "r", `{"path": "/a", "filters": [{"plugin": "h", "config": [1]}], "handler": {"plugin": "h"}}`, 400, "invalid_route", "filters[0]"},
		{"template from control", "r", `{"path": "/a/{x", "handler": {"plugin": "h"}}`, 400, "invalid_template", ""},
		{"unknown plugin from control", "r", `{"path": "/a", "handler": {"plugin": "nope"}}`, 422, "unknown_plugin", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := e.do("PUT", "/v1/routes/"+tc.id, e.admin, tc.body).wantErr(t, tc.status, tc.code)
			if !strings.Contains(got.Error.Message, tc.message) {
				t.Fatalf("message %q does not mention %q", got.Error.Message, tc.message)
			}
		})
	}
	if rs, _ := e.ctl.Routes(t.Context()); len(rs) != 0 {
		t.Fatalf("a rejected route was stored: %+v", rs)
	}
}
