package host_test

import (
	"bytes"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/hostd/hostd/host"
	"github.com/hostd/hostd/host/internal/bus"
	"github.com/hostd/hostd/internal/testwasm"
)

// responder answers every request on subject in queue group "svc" with
// hdr and data, and keeps the last request it saw.
func responder(t *testing.T, th *testHost, subject string, hdr bus.Header, data []byte) *atomic.Pointer[bus.Msg] {
	t.Helper()
	var seen atomic.Pointer[bus.Msg]
	unsub, err := host.BusOf(th.h).QueueSubscribeMsg(subject, "svc", func(m *bus.Msg) {
		seen.Store(m)
		if err := m.Respond(hdr, data); err != nil {
			t.Errorf("respond: %v", err)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = unsub() })
	return &seen
}

func TestNATSRoute(t *testing.T) {
	th := startHost(t, nil)
	seen := responder(t, th, "svc.users.get",
		bus.Header{"Hostd-Status": {"201"}, "X-Reply": {"yes"}, "Content-Type": {"application/json"}},
		[]byte(`{"id":"42"}`))
	th.route("users", `{"path_prefix":"/users/","methods":["POST"],"nats":{"subject":"svc.users.get"}}`)

	r := th.do("POST", th.base+"/users/42?full=1", "", []byte("payload"), "X-Request-ID", "req-1", "X-Custom", "c")
	expectStatus(t, r, 201)
	if string(r.body) != `{"id":"42"}` || r.header.Get("X-Reply") != "yes" || r.header.Get("Content-Type") != "application/json" {
		t.Fatalf("response %q %v", r.body, r.header)
	}
	m := seen.Load()
	if m == nil {
		t.Fatal("the responder saw no request")
	}
	want := map[string]string{"Hostd-Method": "POST", "Hostd-Path": "/users/42", "Hostd-Query": "full=1",
		"Hostd-Request-Id": "req-1", "Hostd-Route": "users", "X-Custom": "c"}
	for k, v := range want {
		if got := strings.Join(m.Header[k], ","); got != v {
			t.Errorf("responder saw %s=%q, want %q", k, got, v)
		}
	}
	if string(m.Data) != "payload" {
		t.Errorf("responder saw body %q", m.Data)
	}
}

func TestNATSRouteFilters(t *testing.T) {
	th := startHost(t, nil)
	th.upload("addheader", testwasm.AddHeader)
	th.upload("deny", testwasm.Deny)
	seen := responder(t, th, "svc.f", nil, []byte("from nats"))
	th.route("filtered", `{"path":"/filtered","filters":[{"plugin":"addheader"}],"nats":{"subject":"svc.f"}}`)
	th.route("denied", `{"path":"/denied","filters":[{"plugin":"deny"}],"nats":{"subject":"svc.f"}}`)

	r := th.get("/filtered")
	expectStatus(t, r, 200)
	if string(r.body) != "from nats" || r.header.Get("X-Filter") != "seen" || r.header.Get("X-Response-Phase") != "yes" {
		t.Fatalf("response %q %v", r.body, r.header)
	}
	if m := seen.Load(); m == nil || strings.Join(m.Header["X-Added"], ",") != "yes" {
		t.Fatalf("the responder did not see the filter's request header: %+v", m)
	}
	seen.Store(nil)
	expectStatus(t, th.get("/denied"), 403)
	if seen.Load() != nil {
		t.Fatal("a request a filter answered reached the NATS service")
	}
}

func TestNATSRouteErrors(t *testing.T) {
	th := startHost(t, nil)
	unsub, err := host.BusOf(th.h).QueueSubscribeMsg("svc.silent", "svc", func(*bus.Msg) {})
	if err != nil {
		t.Fatal(err)
	}
	defer unsub()
	th.route("silent", `{"path":"/silent","nats":{"subject":"svc.silent","timeout":"100ms"}}`)
	th.route("nobody", `{"path":"/nobody","nats":{"subject":"svc.nobody"}}`)

	r := th.get("/silent")
	expectStatus(t, r, 504)
	if c := r.errorCode(t); c != "nats_timeout" {
		t.Errorf("timeout code %q", c)
	}
	r = th.get("/nobody")
	expectStatus(t, r, 503)
	if c := r.errorCode(t); c != "nats_no_responders" {
		t.Errorf("no responders code %q", c)
	}
}

func TestNATSRouteValidation(t *testing.T) {
	th := startHost(t, nil)
	th.route("r", `{"path":"/r","nats":{"subject":"svc.r"}}`)
	before := th.adminDo("GET", "/v1/routes", nil)
	expectStatus(t, before, 200)
	for _, target := range []string{
		`{"subject":""}`,
		`{"subject":"svc.*"}`,
		`{"subject":"svc.>"}`,
		`{"subject":"svc..x"}`,
		`{"subject":"svc x"}`,
		`{"subject":"hostd.events.route.changed"}`,
		`{"subject":"$KV.hostd_control.routes.x"}`,
		`{"subject":"$JS.API.STREAM.CREATE.x"}`,
		`{"subject":"_INBOX.someone-else"}`,
		`{"subject":"svc.r","timeout":"0s"}`,
		`{"subject":"svc.r","timeout":"6m"}`,
		`{"subject":"svc.r","timeout":"soon"}`,
	} {
		for _, id := range []string{"r", "new"} {
			r := th.adminDo("PUT", "/v1/routes/"+id, []byte(`{"path":"/changed","nats":`+target+`}`))
			expectStatus(t, r, 400)
			if c := r.errorCode(t); c != "invalid_nats_target" {
				t.Errorf("%s: code %q", target, c)
			}
		}
	}
	after := th.adminDo("GET", "/v1/routes", nil)
	if !bytes.Equal(before.body, after.body) {
		t.Fatalf("a refused route changed the stored routes:\n%s\n%s", before.body, after.body)
	}
	var got struct {
		NATS struct{ Subject, Timeout string }
	}
	th.adminDo("GET", "/v1/routes/r", nil).json(t, &got)
	if got.NATS.Subject != "svc.r" {
		t.Fatalf("stored target %+v", got)
	}
}
