package host_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hostd/hostd/host"
	"github.com/hostd/hostd/host/internal/bus"
	"github.com/hostd/hostd/internal/guestbuild"
)

// ordersHost starts a host with the orders example plugin uploaded.
func ordersHost(t *testing.T) *testHost {
	t.Helper()
	th := startHost(t, nil)
	th.upload("orders", guestbuild.Build(t, "examples/orders"))
	return th
}

// eventually polls cond until it holds or 15 s pass.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func recv(t *testing.T, ch <-chan *bus.Msg) *bus.Msg {
	t.Helper()
	select {
	case m := <-ch:
		return m
	case <-time.After(10 * time.Second):
		t.Fatal("no message")
		return nil
	}
}

func subscribe(t *testing.T, th *testHost, subject string) <-chan *bus.Msg {
	t.Helper()
	ch := make(chan *bus.Msg, 64)
	unsub, err := host.BusOf(th.h).QueueSubscribeMsg(subject, "", func(m *bus.Msg) { ch <- m })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = unsub() })
	return ch
}

func TestPluginPublishNeedsGrant(t *testing.T) {
	th := ordersHost(t)
	got := subscribe(t, th, "orders.created")
	th.route("granted", `{"path":"/orders","methods":["POST"],
		"handler":{"plugin":"orders","grants":{"publish":["orders.*"]}}}`)
	th.route("denied", `{"path":"/orders-nogrant","methods":["POST"],"handler":{"plugin":"orders"}}`)

	r := th.do("POST", th.base+"/orders", "", []byte(`{"id":"42","item":"tea"}`))
	expectStatus(t, r, http.StatusAccepted)
	m := recv(t, got)
	if string(m.Data) != `{"id":"42","item":"tea"}` || m.Header["Order-Id"][0] != "42" {
		t.Fatalf("published %q %v", m.Data, m.Header)
	}
	r = th.do("POST", th.base+"/orders-nogrant", "", []byte(`{"id":"43"}`))
	expectStatus(t, r, http.StatusServiceUnavailable)
	if !strings.Contains(string(r.body), "denied") {
		t.Fatalf("body %s", r.body)
	}
	select {
	case m := <-got:
		t.Fatalf("an ungranted publish went out: %q", m.Data)
	case <-time.After(200 * time.Millisecond):
	}
}

// TestGrantCannotReachReservedSubjects: grants and trigger subjects that
// could reach JetStream, KV, inboxes or hostd's subjects are refused with
// 400 reserved_subject; nothing is stored.
func TestGrantCannotReachReservedSubjects(t *testing.T) {
	th := ordersHost(t)
	for _, p := range []string{"hostd.events.>", ">", "*.>", "$JS.API.>", "*.API.>", "_INBOX.>", "$KV.other.key"} {
		for _, op := range []string{"publish", "request"} {
			r := th.adminDo("PUT", "/v1/routes/r", []byte(`{"path":"/r","handler":{"plugin":"orders","grants":{"`+op+`":["`+p+`"]}}}`))
			expectStatus(t, r, http.StatusBadRequest)
			if code := r.errorCode(t); code != "reserved_subject" {
				t.Fatalf("%s %s: code %s", op, p, code)
			}
		}
		r := th.adminDo("PUT", "/v1/triggers/t", []byte(`{"subject":"`+p+`","plugin":"orders"}`))
		expectStatus(t, r, http.StatusBadRequest)
		if code := r.errorCode(t); code != "reserved_subject" {
			t.Fatalf("trigger %s: code %s", p, code)
		}
	}
	expectStatus(t, th.adminDo("GET", "/v1/routes/r", nil), http.StatusNotFound)
	expectStatus(t, th.adminDo("GET", "/v1/triggers/t", nil), http.StatusNotFound)
}

// TestCoreTriggerAndRequest: a core trigger stores orders and answers
// status requests that the HTTP side of the same plugin sends.
func TestCoreTriggerAndRequest(t *testing.T) {
	th := ordersHost(t)
	th.route("post", `{"path":"/orders","methods":["POST"],"handler":{"plugin":"orders","grants":{"publish":["orders.created"]}}}`)
	th.route("get", `{"path":"/orders/{id}","handler":{"plugin":"orders","grants":{"request":["orders.status"]}}}`)
	th.route("get-nogrant", `{"path":"/nogrant/{id}","handler":{"plugin":"orders"}}`)

	expectStatus(t, th.get("/orders/1"), http.StatusServiceUnavailable) // no trigger: no responders

	r := th.adminDo("PUT", "/v1/triggers/orders", []byte(`{"subject":"orders.>","queue":"workers","plugin":"orders"}`))
	expectStatus(t, r, http.StatusCreated)
	expectStatus(t, th.do("POST", th.base+"/orders", "", []byte(`{"id":"7","item":"jam"}`)), http.StatusAccepted)
	eventually(t, "order 7 stored", func() bool { return th.get("/orders/7").status == http.StatusOK })
	if r := th.get("/orders/7"); string(r.body) != `{"id":"7","item":"jam"}` {
		t.Fatalf("status body %s", r.body)
	}
	expectStatus(t, th.get("/orders/8"), http.StatusNotFound)
	r = th.get("/nogrant/7")
	expectStatus(t, r, http.StatusGatewayTimeout)
	if !strings.Contains(string(r.body), "denied") {
		t.Fatalf("ungranted request: %s", r.body)
	}

	expectStatus(t, th.adminDo("DELETE", "/v1/triggers/orders", nil), http.StatusNoContent)
	expectStatus(t, th.get("/orders/7"), http.StatusServiceUnavailable)
}

func TestTriggerValidationAgainstPlugins(t *testing.T) {
	th := ordersHost(t)
	th.upload("hello", guestbuild.Build(t, "examples/hello"))
	for _, tc := range []struct {
		body   string
		status int
		code   string
	}{
		{`{"subject":"a.b","plugin":"missing"}`, 422, "unknown_plugin"},
		{`{"subject":"a.b","plugin":"orders","version":9}`, 422, "unknown_version"},
		{`{"subject":"a.b","plugin":"orders","concurrency":1000}`, 400, "invalid_trigger"},
		{`{"subject":"a.b","plugin":"orders","timeout":"forever"}`, 400, "invalid_trigger"},
		{`{"subject":"a.b","plugin":"orders","jetstream":{"stream":"S","ack_wait":"1s"}}`, 400, "invalid_trigger"},
	} {
		r := th.adminDo("PUT", "/v1/triggers/t", []byte(tc.body))
		if r.status != tc.status || r.errorCode(t) != tc.code {
			t.Errorf("%s: %d %s", tc.body, r.status, r.body)
		}
	}
	// hello has no on_message handler: the SDK exports on_message, which
	// fails loudly; a plugin without the export at all is refused.
	expectStatus(t, th.adminDo("GET", "/v1/triggers/t", nil), http.StatusNotFound)
	var list struct{ Triggers []any }
	th.adminDo("GET", "/v1/triggers", nil).json(t, &list)
	if len(list.Triggers) != 0 {
		t.Fatalf("refused triggers were stored: %v", list.Triggers)
	}
	r := th.adminDo("DELETE", "/v1/plugins/orders", nil)
	expectStatus(t, r, http.StatusNoContent) // no trigger uses it
}

func TestTriggerBlocksPluginDeleteAndAnnouncesChanges(t *testing.T) {
	th := ordersHost(t)
	events := make(chan string, 16)
	stop, err := th.h.WatchEvents(func(kind string, _ []byte) {
		if kind != "audit" { // TestAuditRecordsEveryWrite checks those
			events <- kind
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	expectStatus(t, th.adminDo("PUT", "/v1/triggers/t", []byte(`{"subject":"a.b","plugin":"orders"}`)), http.StatusCreated)
	expectStatus(t, th.adminDo("DELETE", "/v1/triggers/t", nil), http.StatusNoContent)
	for _, want := range []string{"trigger.changed", "trigger.deleted"} {
		select {
		case got := <-events:
			if got != want {
				t.Fatalf("event %s, want %s", got, want)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("no %s event", want)
		}
	}
	expectStatus(t, th.adminDo("PUT", "/v1/triggers/t", []byte(`{"subject":"a.b","plugin":"orders"}`)), http.StatusCreated)
	r := th.adminDo("DELETE", "/v1/plugins/orders", nil)
	expectStatus(t, r, http.StatusConflict)
	if !strings.Contains(string(r.body), "trigger t") {
		t.Fatalf("body %s", r.body)
	}
}

// publishDurable publishes on a JetStream subject of th's server.
func publishDurable(t *testing.T, th *testHost, subject, data string, hdr ...string) {
	t.Helper()
	h := bus.Header{}
	for i := 0; i+1 < len(hdr); i += 2 {
		h[hdr[i]] = []string{hdr[i+1]}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := host.BusOf(th.h).PublishDurable(ctx, subject, h, []byte(data)); err != nil {
		t.Fatal(err)
	}
}

const jsTrigger = `{"subject":"orders.created","plugin":"orders","timeout":"2s",
	"jetstream":{"stream":"ORDERS","max_deliver":3,"ack_wait":"5s"}}`

func jetStreamOrders(t *testing.T, th *testHost) {
	t.Helper()
	expectStatus(t, th.adminDo("PUT", "/v1/triggers/js", []byte(jsTrigger)), http.StatusCreated)
	expectStatus(t, th.adminDo("PUT", "/v1/triggers/status", []byte(`{"subject":"orders.status","plugin":"orders"}`)), http.StatusCreated)
	th.route("get", `{"path":"/orders/{id}","handler":{"plugin":"orders","grants":{"request":["orders.status"]}}}`)
}

func TestJetStreamTriggerRedeliveryAndDeadLetter(t *testing.T) {
	th := ordersHost(t)
	jetStreamOrders(t, th)
	dead := subscribe(t, th, "hostd.deadletter.js")

	publishDurable(t, th, "orders.created", `{"id":"ok"}`)
	publishDurable(t, th, "orders.created", `{"id":"retry","note":"fail-once"}`)
	publishDurable(t, th, "orders.created", `{"id":"bad","note":"fail-always"}`)
	publishDurable(t, th, "orders.created", `{"id":"poison","note":"poison"}`)

	eventually(t, "ok stored", func() bool { return th.get("/orders/ok").status == 200 })
	eventually(t, "retry stored after a nak", func() bool { return th.get("/orders/retry").status == 200 })
	m := recv(t, dead)
	if string(m.Data) != `{"id":"bad","note":"fail-always"}` || m.Header["Hostd-Deliveries"][0] != "3" ||
		m.Header["Hostd-Trigger"][0] != "js" || m.Header["Hostd-Subject"][0] != "orders.created" {
		t.Fatalf("dead letter %q %v", m.Data, m.Header)
	}
	expectStatus(t, th.get("/orders/bad"), http.StatusNotFound)
	expectStatus(t, th.get("/orders/poison"), http.StatusNotFound)
	select {
	case m := <-dead:
		t.Fatalf("second dead letter: %q", m.Data)
	case <-time.After(300 * time.Millisecond):
	}
	metrics := string(th.do("GET", th.admin+"/metrics", th.viewer, nil).body)
	for _, want := range []string{
		`hostd_trigger_messages_total{outcome="dead_letter",trigger="js"} 1`,
		`hostd_trigger_messages_total{outcome="term",trigger="js"} 1`,
		`hostd_trigger_messages_total{outcome="nak",trigger="js"} 3`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

// TestJetStreamTriggerNoLossAcrossRestart publishes a burst, stops the
// host while messages are still being handled, and checks that every one
// is stored after a restart.
func TestJetStreamTriggerNoLossAcrossRestart(t *testing.T) {
	th := ordersHost(t)
	jetStreamOrders(t, th)
	const n = 200
	for i := range n {
		// fail-once: the first delivery fails and is redelivered after a
		// backoff, so most messages are in flight when the host stops.
		publishDurable(t, th, "orders.created", fmt.Sprintf(`{"id":"o%d","note":"fail-once"}`, i))
	}
	th = th.restart(nil)
	for i := range n {
		id := fmt.Sprintf("o%d", i)
		eventually(t, id+" stored", func() bool { return th.get("/orders/"+id).status == 200 })
	}
}

// TestKVScopeSingleNode: on one node, cluster scope keeps the plugin's
// data in JetStream instead of the registry; switching back does not move
// data.
func TestKVScopeSingleNode(t *testing.T) {
	th := startHost(t, nil)
	th.upload("counter", guestbuild.Build(t, "examples/counter"))
	th.route("count", `{"path":"/count/{key}","handler":{"plugin":"counter"}}`)
	expectStatus(t, th.do("POST", th.base+"/count/a", "", nil), http.StatusOK)
	expectStatus(t, th.adminDo("PUT", "/v1/plugins/counter/kv", []byte(`{"scope":"cluster"}`)), http.StatusOK)
	for range 3 {
		expectStatus(t, th.do("POST", th.base+"/count/a", "", nil), http.StatusOK)
	}
	if got := string(th.get("/count/a").body); !strings.Contains(got, `"count":3`) {
		t.Fatalf("cluster scope count %s", got)
	}
	expectStatus(t, th.adminDo("PUT", "/v1/plugins/counter/kv", []byte(`{"scope":"node"}`)), http.StatusOK)
	if got := string(th.get("/count/a").body); !strings.Contains(got, `"count":1`) {
		t.Fatalf("node scope count %s", got)
	}
	expectStatus(t, th.adminDo("PUT", "/v1/plugins/missing/kv", []byte(`{"scope":"node"}`)), http.StatusNotFound)
}
