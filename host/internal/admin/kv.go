package admin

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/hostd/hostd/host/internal/model"
)

// pluginView is a plugin as GET /v1/plugins/{name} shows it: the stored
// record; under "kv", what its KV namespace holds and may hold on the node
// answering; under "quarantine", its bindings on that node that are out of
// service after repeated failures.
type pluginView struct {
	model.Plugin
	KV         *model.KVUsage     `json:"kv,omitempty"`
	Quarantine []model.PoolHealth `json:"quarantine,omitempty"`
}

// view adds the plugin's KV usage and quarantined bindings; if the usage
// cannot be read the view goes without it (and the reason is logged),
// since the record itself was read.
func (s *server) view(r *http.Request, p model.Plugin) pluginView {
	v := pluginView{Plugin: p, Quarantine: s.ctl.PluginHealth(r.Context(), p.Name)}
	u, err := s.ctl.PluginKV(r.Context(), p.Name)
	if err != nil {
		s.log.WarnContext(r.Context(), "admin: reading plugin kv usage", "plugin", p.Name, "err", err.Error())
		return v
	}
	v.KV = &u
	return v
}

// kvRequest is the body of PUT /v1/plugins/{name}/kv. The limits are raw so
// that only integer literals are accepted.
type kvRequest struct {
	Scope    *string         `json:"scope"`
	MaxKeys  json.RawMessage `json:"max_keys"`
	MaxBytes json.RawMessage `json:"max_bytes"`
}

// setKV handles PUT /v1/plugins/{name}/kv: {"scope": "node"|"cluster",
// "max_keys": N, "max_bytes": N}, every field optional but not all.
func (s *server) setKV(w http.ResponseWriter, r *http.Request) error {
	name, err := pluginName(r)
	if err != nil {
		return err
	}
	var req kvRequest
	if err := s.decodeJSON(w, r, &req); err != nil {
		return err
	}
	var set model.KVSettings
	if req.Scope != nil {
		if *req.Scope != model.KVScopeNode && *req.Scope != model.KVScopeCluster {
			return newError(http.StatusBadRequest, "invalid_kv_scope",
				`"scope" must be "node" (KV data in each node's registry, the default) or "cluster" (one JetStream KV bucket shared by every node)`)
		}
		set.Scope = req.Scope
	}
	if set.MaxKeys, err = kvLimit("max_keys", req.MaxKeys); err != nil {
		return err
	}
	if set.MaxBytes, err = kvLimit("max_bytes", req.MaxBytes); err != nil {
		return err
	}
	if set.Scope == nil && set.MaxKeys == nil && set.MaxBytes == nil {
		return newError(http.StatusBadRequest, "invalid_kv_settings",
			`send at least one of "scope", "max_keys" and "max_bytes"`)
	}
	p, err := s.ctl.SetKV(r.Context(), name, set)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.view(r, p))
	return nil
}

// kvLimit parses an optional limit: absent is nil; otherwise a JSON integer
// from 0 (back to the host default) to 2^53 (exact in every JSON reader).
func kvLimit(field string, raw json.RawMessage) (*int64, error) {
	if raw == nil {
		return nil, nil
	}
	v, err := strconv.ParseInt(string(raw), 10, 64)
	if err != nil || v < 0 || v > 1<<53 {
		return nil, newError(http.StatusBadRequest, "invalid_kv_limit",
			"%q must be an integer from 1 to 2^53 (or 0 for the host default), not %s", field, raw)
	}
	return &v, nil
}
