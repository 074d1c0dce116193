package admin_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/hostd/hostd/host/internal/admin"
	"github.com/hostd/hostd/host/internal/model"
)

type uploaded struct {
	model.PluginVersion
	Active bool `json:"active"`
}

func TestPluginLifecycle(t *testing.T) {
	e := newEnv(t, nil)
	var up uploaded

	e.do("PUT", "/v1/plugins/hello", e.admin, wasmModule("v1"), "Content-Type", "application/wasm").
		want(t, http.StatusCreated).decode(t, &up)
	if up.Name != "hello" || up.Version != 1 || !up.Active || up.Size != 10 || up.SHA256 == "" {
		t.Fatalf("first upload = %+v", up)
	}

	e.do("PUT", "/v1/plugins/hello", e.admin, wasmModule("v1")).want(t, http.StatusOK).decode(t, &up)
	if up.Version != 1 || !up.Active {
		t.Fatalf("same bytes again = %+v, want version 1, active", up)
	}

	e.do("PUT", "/v1/plugins/hello?activate=false", e.admin, wasmModule("v2")).
		want(t, http.StatusCreated).decode(t, &up)
	if up.Version != 2 || up.Active {
		t.Fatalf("upload with activate=false = %+v, want version 2, inactive", up)
	}

	var list struct{ Plugins []model.Plugin }
	e.do("GET", "/v1/plugins", e.viewer, nil).want(t, http.StatusOK).decode(t, &list)
	if len(list.Plugins) != 1 || len(list.Plugins[0].Versions) != 2 || list.Plugins[0].ActiveVersion != 1 {
		t.Fatalf("list = %+v", list)
	}

	var p model.Plugin
	e.do("PUT", "/v1/plugins/hello/active", e.admin, `{"version": 2}`).want(t, http.StatusOK).decode(t, &p)
	if p.ActiveVersion != 2 {
		t.Fatalf("after set active: %+v", p)
	}
	e.do("GET", "/v1/plugins/hello", e.viewer, nil).want(t, http.StatusOK).decode(t, &p)
	if p.Name != "hello" || p.ActiveVersion != 2 || len(p.Versions) != 2 {
		t.Fatalf("get = %+v", p)
	}

	route := `{"path": "/hi", "handler": {"plugin": "hello"}}`
	e.do("PUT", "/v1/routes/hi", e.admin, route).want(t, http.StatusCreated)
	e.do("DELETE", "/v1/plugins/hello", e.admin, nil).wantErr(t, http.StatusConflict, "plugin_in_use")
	e.do("DELETE", "/v1/routes/hi", e.admin, nil).want(t, http.StatusNoContent)

	r := e.do("DELETE", "/v1/plugins/hello", e.admin, nil).want(t, http.StatusNoContent)
	if len(r.body) != 0 {
		t.Fatalf("204 with a body: %q", r.body)
	}
	e.do("GET", "/v1/plugins/hello", e.viewer, nil).wantErr(t, http.StatusNotFound, "plugin_not_found")
}

func TestListPluginsEmptyIsArray(t *testing.T) {
	e := newEnv(t, nil)
	r := e.do("GET", "/v1/plugins", e.viewer, nil).want(t, http.StatusOK)
	if strings.TrimSpace(string(r.body)) != `{"plugins":[]}` {
		t.Fatalf("body = %s", r.body)
	}
}

// chunked hides the length so the request is sent without Content-Length.
type chunked struct{ io.Reader }

func TestUploadErrors(t *testing.T) {
	e := newEnv(t, func(o *admin.Options) { o.MaxUploadBytes = 1024 })
	big := wasmModule(strings.Repeat("x", 2000))
	tests := []struct {
		name   string
		path   string
		body   any
		status int
		code   string
	}{
		{"not wasm", "/v1/plugins/p", "(module)", 400, "not_wasm"},
		{"wasm version 2", "/v1/plugins/p", []byte{0, 'a', 's', 'm', 2, 0, 0, 0, 1}, 400, "not_wasm"},
		{"short", "/v1/plugins/p", []byte{0, 'a', 's'}, 400, "not_wasm"},
		{"empty", "/v1/plugins/p", nil, 400, "empty_body"},
		{"too large by content-length", "/v1/plugins/p", big, 413, "too_large"},
		{"too large chunked", "/v1/plugins/p", chunked{strings.NewReader(string(big))}, 413, "too_large"},
		{"bad query", "/v1/plugins/p?activate=yes", wasmModule("a"), 400, "invalid_query"},
		{"repeated query", "/v1/plugins/p?activate=true&activate=false", wasmModule("a"), 400, "invalid_query"},
		{"upper-case name", "/v1/plugins/Hello", wasmModule("a"), 400, "invalid_name"},
		{"name starts with dot", "/v1/plugins/.x", wasmModule("a"), 400, "invalid_name"},
		{"name too long", "/v1/plugins/" + strings.Repeat("a", 64), wasmModule("a"), 400, "invalid_name"},
		{"abi mismatch from control", "/v1/plugins/p", wasmModule(""), 422, "abi_mismatch"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e.do("PUT", tc.path, e.admin, tc.body).wantErr(t, tc.status, tc.code)
		})
	}
	// Right at the limit is fine.
	e.do("PUT", "/v1/plugins/p", e.admin, wasmModule(strings.Repeat("y", 1016))).want(t, http.StatusCreated)
	e.do("PUT", "/v1/plugins/"+strings.Repeat("a", 63), e.admin, wasmModule("z")).want(t, http.StatusCreated)
}

func TestSetActiveErrors(t *testing.T) {
	e := newEnv(t, nil)
	e.do("PUT", "/v1/plugins/p", e.admin, wasmModule("1")).want(t, http.StatusCreated)
	tests := []struct {
		name   string
		path   string
		body   string
		status int
		code   string
	}{
		{"missing version", "/v1/plugins/p/active", `{}`, 400, "invalid_version"},
		{"zero version", "/v1/plugins/p/active", `{"version": 0}`, 400, "invalid_version"},
		{"string version", "/v1/plugins/p/active", `{"version": "2"}`, 400, "invalid_json"},
		{"unknown field", "/v1/plugins/p/active", `{"version": 1, "force": true}`, 400, "invalid_json"},
		{"unknown version", "/v1/plugins/p/active", `{"version": 9}`, 404, "version_not_found"},
		{"unknown plugin", "/v1/plugins/q/active", `{"version": 1}`, 404, "plugin_not_found"},
		{"bad name", "/v1/plugins/Q/active", `{"version": 1}`, 400, "invalid_name"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e.do("PUT", tc.path, e.admin, tc.body).wantErr(t, tc.status, tc.code)
		})
	}
}
