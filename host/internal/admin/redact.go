package admin

import (
	"encoding/json"
	"net/http"

	"github.com/hostd/hostd/host/internal/model"
)

// Redaction: binding and trigger configs are opaque to hostd and are where
// plugins keep their secrets (API keys, HMAC keys, passwords). Only the
// admin role sees them; every other role gets the record with each config
// replaced, so a leaked viewer token (a dashboard's) reveals no credential.
// Nothing else in a route or trigger holds one: upstream URLs with
// credentials are refused at PUT, and key sets are only ever shown as
// their public keys (keysets.go).

// Redacted replaces every config in a response to a role other than
// admin, as a JSON string.
const Redacted = "<redacted>"

var redactedConfig = json.RawMessage(`"` + Redacted + `"`)

// seesSecrets reports whether the caller of r may see secret-bearing
// fields; false before authentication, so the default is to redact.
func seesSecrets(r *http.Request) bool {
	return infoFrom(r.Context()).role.seesSecrets()
}

// redactRoute returns rt without its secrets. It copies every slice and
// pointer it changes, so the caller's value (Control's) is untouched.
func redactRoute(rt model.Route) model.Route {
	if len(rt.Filters) > 0 {
		fs := make([]model.Binding, len(rt.Filters))
		for i, b := range rt.Filters {
			fs[i] = redactBinding(b)
		}
		rt.Filters = fs
	}
	if rt.Handler != nil {
		h := redactBinding(*rt.Handler)
		rt.Handler = &h
	}
	return rt
}

// redactBinding replaces a non-empty config.
func redactBinding(b model.Binding) model.Binding {
	if len(b.Config) > 0 {
		b.Config = redactedConfig
	}
	return b
}

// redactTrigger replaces a non-empty config.
func redactTrigger(t model.Trigger) model.Trigger {
	if len(t.Config) > 0 {
		t.Config = redactedConfig
	}
	return t
}

// routesFor returns rs as r's caller may see them.
func routesFor(r *http.Request, rs []model.Route) []model.Route {
	if seesSecrets(r) {
		return rs
	}
	out := make([]model.Route, len(rs))
	for i, rt := range rs {
		out[i] = redactRoute(rt)
	}
	return out
}

// triggersFor returns ts as r's caller may see them.
func triggersFor(r *http.Request, ts []model.Trigger) []model.Trigger {
	if seesSecrets(r) {
		return ts
	}
	out := make([]model.Trigger, len(ts))
	for i, t := range ts {
		out[i] = redactTrigger(t)
	}
	return out
}
