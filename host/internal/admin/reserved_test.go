package admin_test

import (
	"net/http"
	"strings"
	"testing"
)

// reservedPatterns could each match a subject of a reserved space ($KV,
// $JS.API, _INBOX, hostd): a grant or trigger subject naming one is refused.
var reservedPatterns = []string{
	">", "*", "*.>", "*.API.>", "*.orders", "$JS.API.>", "$JS.API.STREAM.CREATE.x", "$KV.other.key",
	"$KV.hostd_control.>", "$O.>", "$SYS.>", "$JSC.>", "$NRG.>", "$G", "$anything.>",
	"_INBOX.>", "_INBOX.someone-else", "_INBOX_PLUGIN.>", "hostd.events.forged", "hostd.>",
}

// TestGrantsCannotReachReservedSpaces: a route or trigger binding granted a
// pattern that could reach a reserved space is 400 reserved_subject, with a
// message naming the grant, and nothing is stored.
func TestGrantsCannotReachReservedSpaces(t *testing.T) {
	e := newEnv(t, nil)
	withPlugins(t, e, "proc")
	for _, p := range reservedPatterns {
		for _, op := range []string{"publish", "request"} {
			grants := `{"` + op + `": ["orders.created", "` + p + `"]}`
			got := e.do("PUT", "/v1/routes/r", e.admin, `{"path": "/r", "handler": {"plugin": "proc", "grants": `+grants+`}}`).
				wantErr(t, http.StatusBadRequest, "reserved_subject")
			if !strings.Contains(got.Error.Message, p) || !strings.Contains(got.Error.Message, op) {
				t.Errorf("%s %s: message %q", op, p, got.Error.Message)
			}
			e.do("PUT", "/v1/triggers/t", e.admin, `{"subject": "a.b", "plugin": "proc", "grants": `+grants+`}`).
				wantErr(t, http.StatusBadRequest, "reserved_subject")
		}
	}
	e.do("GET", "/v1/routes/r", e.viewer, nil).wantErr(t, http.StatusNotFound, "route_not_found")
	// What stays allowed: patterns with a literal first token of one's own.
	e.do("PUT", "/v1/routes/r", e.admin, `{"path": "/r", "handler": {"plugin": "proc",
		"grants": {"publish": ["orders.>", "audit.*.x", "orders.$KV.x"], "request": ["svc.*"]}}}`).want(t, http.StatusCreated)
}

// TestTriggerSubjectCannotReachReservedSpaces: a trigger listening on a
// pattern that could receive reserved subjects (KV writes, other
// requests' replies, hostd's events) is refused the same way.
func TestTriggerSubjectCannotReachReservedSpaces(t *testing.T) {
	e := newEnv(t, nil)
	withPlugins(t, e, "proc")
	for _, p := range reservedPatterns {
		got := e.do("PUT", "/v1/triggers/t", e.admin, `{"subject": "`+p+`", "plugin": "proc"}`).
			wantErr(t, http.StatusBadRequest, "reserved_subject")
		if !strings.Contains(got.Error.Message, p) {
			t.Errorf("%s: message %q", p, got.Error.Message)
		}
	}
	// A custom dead-letter subject is published by hostd itself: none in a
	// reserved space but hostd.deadletter.
	for _, dl := range []string{"$KV.hostd_control.routes.x", "$JS.API.STREAM.DELETE.x", "_INBOX.x", "hostd.events.forged"} {
		e.do("PUT", "/v1/triggers/t", e.admin, `{"subject": "a.b", "plugin": "proc", "jetstream": {"stream": "S", "dead_letter": "`+dl+`"}}`).
			wantErr(t, http.StatusBadRequest, "reserved_subject")
	}
	e.do("GET", "/v1/triggers/t", e.viewer, nil).wantErr(t, http.StatusNotFound, "trigger_not_found")
	e.do("PUT", "/v1/triggers/t", e.admin, `{"subject": "a.b", "plugin": "proc", "jetstream": {"stream": "S", "dead_letter": "hostd.deadletter.mine"}}`).
		want(t, http.StatusCreated)
}
