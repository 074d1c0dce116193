package admin_test

import (
	"net/http"
	"testing"

	"github.com/hostd/hostd/host/internal/model"
)

func TestTriggerLifecycle(t *testing.T) {
	e := newEnv(t, nil)
	withPlugins(t, e, "proc")
	body := `{"subject": "orders.*", "queue": "workers", "plugin": "proc", "config": {"a": 1},
		"grants": {"publish": ["audit.>"]}, "jetstream": {"stream": "ORDERS", "max_deliver": 3, "ack_wait": "45s"}}`
	var got model.Trigger
	e.do("PUT", "/v1/triggers/t1", e.admin, body).want(t, http.StatusCreated).decode(t, &got)
	if got.ID != "t1" || got.Subject != "orders.*" || got.JetStream.MaxDeliver != 3 || got.Grants.Publish[0] != "audit.>" {
		t.Fatalf("stored %+v", got)
	}
	e.do("PUT", "/v1/triggers/t1", e.admin, body).want(t, http.StatusOK)
	var list struct{ Triggers []model.Trigger }
	e.do("GET", "/v1/triggers", e.viewer, nil).want(t, http.StatusOK).decode(t, &list)
	if len(list.Triggers) != 1 {
		t.Fatalf("list %+v", list)
	}
	e.do("GET", "/v1/triggers/t1", e.viewer, nil).want(t, http.StatusOK)
	e.do("PUT", "/v1/triggers/t2", e.viewer, body).wantErr(t, http.StatusForbidden, "forbidden")
	e.do("DELETE", "/v1/triggers/t1", e.admin, nil).want(t, http.StatusNoContent)
	e.do("GET", "/v1/triggers/t1", e.viewer, nil).wantErr(t, http.StatusNotFound, "trigger_not_found")
}

func TestTriggerValidation(t *testing.T) {
	e := newEnv(t, nil)
	withPlugins(t, e, "proc")
	for _, tc := range []struct{ body, code string }{
		{`{"subject": "", "plugin": "proc"}`, "invalid_trigger"},
		{`{"subject": "a..b", "plugin": "proc"}`, "invalid_trigger"},
		{`{"subject": "a.b", "plugin": ""}`, "invalid_route"},
		{`{"subject": "a.b", "plugin": "proc", "grants": {"publish": ["hostd.events.x"]}}`, "reserved_subject"},
		{`{"subject": "a.b", "plugin": "proc", "grants": {"request": ["a.>.b"]}}`, "invalid_grant"},
		{`{"subject": "a.b", "plugin": "proc", "jetstream": {"stream": "bad name"}}`, "invalid_trigger"},
		{`{"subject": "a.b", "plugin": "proc", "jetstream": {"stream": "S", "dead_letter": "x.*"}}`, "invalid_trigger"},
		{`{"subject": "a.b", "plugin": "proc", "bogus": 1}`, "invalid_json"},
	} {
		e.do("PUT", "/v1/triggers/t", e.admin, tc.body).wantErr(t, http.StatusBadRequest, tc.code)
	}
	e.do("GET", "/v1/triggers/t", e.viewer, nil).wantErr(t, http.StatusNotFound, "trigger_not_found")
}

func TestClusterStatus(t *testing.T) {
	e := newEnv(t, nil)
	var st model.ClusterStatus
	e.do("GET", "/v1/cluster", e.viewer, nil).want(t, http.StatusOK).decode(t, &st)
	if !st.Enabled || st.Node != "n1" || st.Nodes != 3 {
		t.Fatalf("status %+v", st)
	}
	e.do("GET", "/v1/cluster", "", nil).want(t, http.StatusUnauthorized)
}
