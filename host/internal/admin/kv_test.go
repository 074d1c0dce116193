package admin_test

import (
	"net/http"
	"testing"

	"github.com/hostd/hostd/host/internal/model"
)

// view is the JSON of GET /v1/plugins/{name}.
type view struct {
	model.Plugin
	KV *model.KVUsage `json:"kv"`
}

func TestSetKV(t *testing.T) {
	e := newEnv(t, nil)
	withPlugins(t, e, "counter")
	put := func(body string) (v view) {
		t.Helper()
		e.do("PUT", "/v1/plugins/counter/kv", e.admin, body).want(t, http.StatusOK).decode(t, &v)
		return v
	}
	v := put(`{"scope":"cluster"}`)
	if v.KVScope != model.KVScopeCluster || v.KV == nil || v.KV.Scope != model.KVScopeCluster {
		t.Fatalf("plugin %+v kv %+v", v.Plugin, v.KV)
	}
	v = put(`{"max_keys": 10, "max_bytes": 4096}`)
	if v.KVScope != model.KVScopeCluster || v.KVMaxKeys != 10 || v.KVMaxBytes != 4096 ||
		v.KV.MaxKeys != 10 || v.KV.MaxBytes != 4096 {
		t.Fatalf("after limits: plugin %+v kv %+v", v.Plugin, v.KV)
	}
	v = put(`{"scope":"node","max_keys":0}`)
	if v.KVScope != "" || v.KVMaxKeys != 0 || v.KVMaxBytes != 4096 || v.KV.MaxKeys != 100 {
		t.Fatalf("after reset: plugin %+v kv %+v", v.Plugin, v.KV)
	}

	v = view{}
	e.do("GET", "/v1/plugins/counter", e.viewer, nil).want(t, http.StatusOK).decode(t, &v)
	if v.KV == nil || *v.KV != (model.KVUsage{Scope: "node", Keys: 3, Bytes: 120, MaxKeys: 100, MaxBytes: 4096}) {
		t.Fatalf("GET view kv = %+v", v.KV)
	}

	for _, tc := range []struct{ body, code string }{
		{`{"scope":"galaxy"}`, "invalid_kv_scope"},
		{`{"scope":"galaxy","max_keys":5}`, "invalid_kv_scope"},
		{`{"max_keys":-1}`, "invalid_kv_limit"},
		{`{"max_bytes":1.5}`, "invalid_kv_limit"},
		{`{"max_bytes":1e6}`, "invalid_kv_limit"},
		{`{"max_bytes":"100"}`, "invalid_kv_limit"},
		{`{"max_keys":null}`, "invalid_kv_limit"},
		{`{"max_keys":9007199254740993}`, "invalid_kv_limit"},
		{`{"max_keys":5,"max_bytes":-5}`, "invalid_kv_limit"},
		{`{}`, "invalid_kv_settings"},
		{`{"max_key":5}`, "invalid_json"},
		{`[]`, "invalid_json"},
	} {
		e.do("PUT", "/v1/plugins/counter/kv", e.admin, tc.body).wantErr(t, http.StatusBadRequest, tc.code)
	}
	// Nothing changed.
	var after view
	e.do("GET", "/v1/plugins/counter", e.viewer, nil).want(t, http.StatusOK).decode(t, &after)
	if after.KVScope != "" || after.KVMaxKeys != 0 || after.KVMaxBytes != 4096 {
		t.Fatalf("refused requests changed the plugin: %+v", after.Plugin)
	}

	e.do("PUT", "/v1/plugins/counter/kv", e.viewer, `{"scope":"node"}`).wantErr(t, http.StatusForbidden, "forbidden")
	e.do("PUT", "/v1/plugins/nope/kv", e.admin, `{"scope":"node"}`).wantErr(t, http.StatusNotFound, "plugin_not_found")
	e.do("PUT", "/v1/plugins/nope/kv", e.admin, `{"max_keys":5}`).wantErr(t, http.StatusNotFound, "plugin_not_found")
}
