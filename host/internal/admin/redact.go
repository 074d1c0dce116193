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

// visibleTo returns xs as r's caller may see them: as they are for a
// caller that sees secrets, each redacted by redact otherwise.
func visibleTo[T any](r *http.Request, xs []T, redact func(T) T) []T {
	if seesSecrets(r) {
		return xs
	}
	out := make([]T, len(xs))
	for i, x := range xs {
		out[i] = redact(x)
	}
	return out
}
