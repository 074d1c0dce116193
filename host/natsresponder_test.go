package host_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hostd/hostd/host"
	"github.com/nats-io/nats.go"
)

// TestNATSRouteWithScopedResponder: an outside service authenticated as
// nats.responder serves a NATS route over TCP, and can do nothing else: it
// cannot publish (not to hostd's control-plane KV, not hostd's events, not
// another service's subject) nor subscribe outside nats.responder.subjects.
// The operator's token still has every permission.
func TestNATSRouteWithScopedResponder(t *testing.T) {
	th := startHost(t, func(c *host.Config) {
		c.NATS.Listen = "127.0.0.1:0"
		c.NATS.Token = "operator-token"
		c.NATS.Responder = host.NATSResponder{User: "svc", Password: "svc-pw", Subjects: []string{"svc.>"}}
	})
	url := host.BusOf(th.h).ClientURL()
	var mu sync.Mutex
	var violations []string
	nc, err := nats.Connect(url, nats.UserInfo("svc", "svc-pw"), nats.Timeout(10*time.Second),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
			mu.Lock()
			violations = append(violations, err.Error())
			mu.Unlock()
		}))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	if _, err := nc.QueueSubscribe("svc.users.get", "svc", func(m *nats.Msg) {
		r := nats.NewMsg(m.Reply)
		r.Header.Set("Hostd-Status", "201")
		r.Data = append([]byte("hello "), m.Data...)
		if err := m.RespondMsg(r); err != nil {
			t.Errorf("respond: %v", err)
		}
	}); err != nil {
		t.Fatal(err)
	}
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
	th.route("users", `{"path_prefix":"/users/","methods":["POST"],"nats":{"subject":"svc.users.get"}}`)
	r := th.do("POST", th.base+"/users/42", "", []byte("ada"))
	expectStatus(t, r, 201)
	if string(r.body) != "hello ada" {
		t.Fatalf("body %q", r.body)
	}

	events := subscribe(t, th, "hostd.events.>")
	for _, s := range []string{"$KV.hostd_control.routes.evil", "hostd.events.forged", "svc.other", "$JS.API.STREAM.CREATE.x"} {
		if err := nc.Publish(s, []byte("forged")); err != nil {
			t.Fatal(err)
		}
	}
	for _, s := range []string{"orders.>", "$KV.>", "_INBOX.>", "hostd.events.>"} {
		if _, err := nc.Subscribe(s, func(*nats.Msg) {}); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{`Publish to "$KV.hostd_control.routes.evil"`, `Publish to "hostd.events.forged"`,
		`Publish to "svc.other"`, `Publish to "$JS.API.STREAM.CREATE.x"`, `Subscription to "orders.>"`,
		`Subscription to "$KV.>"`, `Subscription to "_INBOX.>"`, `Subscription to "hostd.events.>"`}
	eventually(t, "every permissions violation", func() bool {
		mu.Lock()
		defer mu.Unlock()
		all := strings.Join(violations, "\n")
		for _, w := range want {
			if !strings.Contains(all, w) {
				return false
			}
		}
		return true
	})
	select {
	case m := <-events:
		t.Fatalf("a forged event arrived: %s %q", m.Subject, m.Data)
	default:
	}
	var list struct{ Routes []struct{ ID string } }
	th.adminDo("GET", "/v1/routes", nil).json(t, &list)
	if len(list.Routes) != 1 {
		t.Fatalf("routes %+v", list.Routes)
	}

	// The operator's token is not scoped.
	op, err := nats.Connect(url, nats.Token("operator-token"), nats.Timeout(10*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer op.Close()
	if _, err := op.Request("$JS.API.INFO", nil, 10*time.Second); err != nil {
		t.Fatalf("operator JetStream info: %v", err)
	}
	// Wrong responder password: refused.
	if bad, err := nats.Connect(url, nats.UserInfo("svc", "guess"), nats.Timeout(10*time.Second)); err == nil {
		bad.Close()
		t.Fatal("connected with a wrong password")
	}
}

func TestNATSResponderConfigValidation(t *testing.T) {
	for name, r := range map[string]host.NATSResponder{
		"no password":     {User: "svc", Subjects: []string{"svc.>"}},
		"no subjects":     {User: "svc", Password: "pw"},
		"wide subject":    {User: "svc", Password: "pw", Subjects: []string{">"}},
		"reserved":        {User: "svc", Password: "pw", Subjects: []string{"$KV.>"}},
		"inbox":           {User: "svc", Password: "pw", Subjects: []string{"_INBOX.>"}},
		"hostd name":      {User: "hostd-internal", Password: "pw", Subjects: []string{"svc.>"}},
		"invalid subject": {User: "svc", Password: "pw", Subjects: []string{"svc..x"}},
	} {
		c := host.Config{DataDir: t.TempDir()}
		c.NATS.Responder = r
		err := c.Validate()
		if err == nil || !strings.Contains(err.Error(), "nats") {
			t.Errorf("%s: Validate = %v", name, err)
		}
	}
}

// TestNATSRouteServedByTrigger: a core trigger's plugin (the restricted
// receive user) answers a NATS route's request (hostd's own inbox) with
// msg_respond.
func TestNATSRouteServedByTrigger(t *testing.T) {
	th := ordersHost(t)
	expectStatus(t, th.adminDo("PUT", "/v1/triggers/ping", []byte(`{"subject":"orders.ping","plugin":"orders"}`)), 201)
	th.route("ping", `{"path":"/ping","nats":{"subject":"orders.ping"}}`)
	r := th.get("/ping")
	expectStatus(t, r, 200)
	if string(r.body) != "pong" {
		t.Fatalf("body %q", r.body)
	}
}
