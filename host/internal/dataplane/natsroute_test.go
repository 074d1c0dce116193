package dataplane

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hostd/hostd/host/internal/bus"
	"github.com/hostd/hostd/host/internal/model"
)

// natsPlane serves routes on a Plane wired to a real in-process bus; each
// route r has path /r and a nats target on subject "svc.r" unless given.
func natsPlane(t *testing.T, maxBody int64, routes ...model.Route) (*bus.Bus, string) {
	t.Helper()
	b, err := bus.Start(context.Background(), bus.Config{StoreDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Shutdown(context.Background()) })
	p := New(Config{NATS: b, MaxBodyBytes: maxBody, Logger: slog.New(slog.DiscardHandler)})
	var in []RouteInput
	for _, rt := range routes {
		in = append(in, RouteInput{Route: rt})
	}
	g := p.Build(context.Background(), in)
	p.Swap(g)
	srv := httptest.NewServer(p)
	t.Cleanup(srv.Close)
	t.Cleanup(p.Close)
	return b, srv.URL
}

func natsRoute(id, subject, timeout string) model.Route {
	return model.Route{ID: id, Path: "/" + id, NATS: &model.NATSTarget{Subject: subject, Timeout: timeout}}
}

// reply subscribes to subject and answers every request with hdr and data.
func reply(t *testing.T, b *bus.Bus, subject string, hdr bus.Header, data []byte) {
	t.Helper()
	unsub, err := b.QueueSubscribeMsg(subject, "q", func(m *bus.Msg) {
		if err := m.Respond(hdr, data); err != nil {
			t.Errorf("respond: %v", err)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = unsub() })
}

type result struct {
	status int
	header http.Header
	body   string
	code   string
}

func call(t *testing.T, method, url string, body []byte) result {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	r := result{status: res.StatusCode, header: res.Header, body: string(b)}
	if strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		var e errorBody
		if json.Unmarshal(b, &e) == nil {
			r.code = e.Error.Code
		}
	}
	return r
}

func TestNATSReplyMapping(t *testing.T) {
	b, base := natsPlane(t, 64,
		natsRoute("ok", "svc.ok", ""),
		natsRoute("nostatus", "svc.nostatus", ""),
		natsRoute("empty", "svc.empty", ""),
		natsRoute("bad", "svc.bad", ""),
		natsRoute("big", "svc.big", ""),
		natsRoute("closed", "svc.closed", ""),
	)
	reply(t, b, "svc.ok", bus.Header{"hostd-status": {"418"}, "X-Out": {"a", "b"}, "Hostd-Secret": {"x"},
		"Content-Length": {"999"}, "Connection": {"close"}}, []byte("teapot"))
	reply(t, b, "svc.nostatus", bus.Header{"X-Out": {"c"}}, []byte("plain"))
	reply(t, b, "svc.empty", bus.Header{"Hostd-Status": {"204"}}, []byte("dropped"))
	reply(t, b, "svc.big", nil, bytes.Repeat([]byte("x"), 65))

	r := call(t, "GET", base+"/ok", nil)
	if r.status != 418 || r.body != "teapot" || strings.Join(r.header.Values("X-Out"), ",") != "a,b" {
		t.Fatalf("ok: %d %q %v", r.status, r.body, r.header)
	}
	if r.header.Get("Hostd-Secret") != "" || r.header.Get("Hostd-Status") != "" || r.header.Get("Connection") != "" ||
		r.header.Get("Content-Length") != "6" {
		t.Fatalf("ok: reply headers leaked: %v", r.header)
	}
	r = call(t, "GET", base+"/nostatus", nil)
	if r.status != 200 || r.body != "plain" || r.header.Get("X-Out") != "c" {
		t.Fatalf("nostatus: %d %q %v", r.status, r.body, r.header)
	}
	if r = call(t, "GET", base+"/empty", nil); r.status != 204 || r.body != "" {
		t.Fatalf("empty: %d %q", r.status, r.body)
	}
	if r = call(t, "GET", base+"/big", nil); r.status != 502 || r.code != codeNATSBadReply {
		t.Fatalf("reply over MaxBody: %d %q", r.status, r.body)
	}
	if r = call(t, "POST", base+"/ok", bytes.Repeat([]byte("x"), 65)); r.status != 413 || r.code != "body_too_large" {
		t.Fatalf("request over MaxBody: %d %q", r.status, r.body)
	}
	for _, status := range []string{"abc", "99", "100", "600", "2000", "+20", "20 "} {
		unsub, err := b.QueueSubscribeMsg("svc.bad", "q", func(m *bus.Msg) {
			_ = m.Respond(bus.Header{"Hostd-Status": {status}}, []byte("x"))
		})
		if err != nil {
			t.Fatal(err)
		}
		r = call(t, "GET", base+"/bad", nil)
		_ = unsub()
		if r.status != 502 || r.code != codeNATSBadReply {
			t.Errorf("Hostd-Status %q: %d %q", status, r.status, r.body)
		}
	}
	reply(t, b, "svc.bad", bus.Header{"Hostd-Status": {"201", "202"}}, nil)
	if r = call(t, "GET", base+"/bad", nil); r.status != 502 || r.code != codeNATSBadReply {
		t.Errorf("two Hostd-Status values: %d %q", r.status, r.body)
	}
	if err := b.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if r = call(t, "GET", base+"/closed", nil); r.status != 502 || r.code != "nats_error" {
		t.Errorf("bus closed: %d %q", r.status, r.body)
	}
}

func TestNATSRequestMapping(t *testing.T) {
	b, base := natsPlane(t, 4<<20, natsRoute("in", "svc.in", "10s"), natsRoute("quiet", "svc.quiet", "50ms"))
	got := make(chan *bus.Msg, 1)
	unsub, err := b.QueueSubscribeMsg("svc.in", "q", func(m *bus.Msg) {
		got <- m
		_ = m.Respond(nil, nil)
	})
	if err != nil {
		t.Fatal(err)
	}
	defer unsub()
	req, _ := http.NewRequest("PUT", base+"/in?a=1&b=%20", strings.NewReader("payload"))
	req.Header.Add("X-Multi", "1")
	req.Header.Add("X-Multi", "2")
	req.Header.Set("Hostd-Route", "forged")
	req.Header.Set("Hostd-Extra", "forged")
	req.Header.Set("X-Request-ID", "rid-7")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	m := <-got
	want := map[string]string{"Hostd-Method": "PUT", "Hostd-Path": "/in", "Hostd-Query": "a=1&b=%20",
		"Hostd-Request-Id": "rid-7", "Hostd-Route": "in", "X-Request-Id": "rid-7", "X-Multi": "1,2",
		"Hostd-Host": req.URL.Host}
	for k, v := range want {
		if got := strings.Join(m.Header[k], ","); got != v {
			t.Errorf("header %s = %q, want %q", k, got, v)
		}
	}
	if m.Header["Hostd-Extra"] != nil {
		t.Errorf("a client's Hostd-* header reached the responder: %v", m.Header)
	}
	if ra := m.Header["Hostd-Remote-Addr"]; len(ra) != 1 || !strings.HasPrefix(ra[0], "127.0.0.1:") {
		t.Errorf("Hostd-Remote-Addr = %v", ra)
	}
	if string(m.Data) != "payload" || m.Subject != "svc.in" {
		t.Errorf("subject %q data %q", m.Subject, m.Data)
	}

	if r := call(t, "GET", base+"/in", nil); r.status != 200 {
		t.Fatalf("empty reply: %d", r.status)
	}
	if m := <-got; m.Header["Hostd-Query"] != nil || len(m.Data) != 0 {
		t.Errorf("no query, no body: %v %q", m.Header, m.Data)
	}
	// Over the NATS server's maximum payload (1 MiB) but within MaxBody.
	if r := call(t, "POST", base+"/in", bytes.Repeat([]byte("x"), 2<<20)); r.status != 413 || r.code != "body_too_large" {
		t.Errorf("over max payload: %d %q", r.status, r.body)
	}
	if r := call(t, "GET", base+"/quiet", nil); r.status != 503 || r.code != "nats_no_responders" {
		t.Errorf("no responders: %d %q", r.status, r.body)
	}
	silent, err := b.QueueSubscribeMsg("svc.quiet", "q", func(*bus.Msg) {})
	if err != nil {
		t.Fatal(err)
	}
	defer silent()
	if r := call(t, "GET", base+"/quiet", nil); r.status != 504 || r.code != "nats_timeout" {
		t.Errorf("timeout: %d %q", r.status, r.body)
	}
}

func TestNATSRouteWithoutRequester(t *testing.T) {
	p := New(Config{Logger: slog.New(slog.DiscardHandler)})
	g := p.Build(context.Background(), []RouteInput{{Route: natsRoute("r", "svc.r", "")}})
	if g.Errors["r"] == nil {
		t.Fatal("a nats route built without a requester")
	}
	g.Discard()
}

func TestValidateNATS(t *testing.T) {
	for _, tc := range []struct {
		subject, timeout string
		want             time.Duration
		field            string // "" when valid
	}{
		{"svc.users.get", "", DefaultNATSTimeout, ""},
		{"svc", "1m", time.Minute, ""},
		{"hostdx.a", "5m", 5 * time.Minute, ""},
		{"", "", 0, "nats.subject"},
		{"svc.*", "", 0, "nats.subject"},
		{"svc.>", "", 0, "nats.subject"},
		{"svc..a", "", 0, "nats.subject"},
		{"svc a", "", 0, "nats.subject"},
		{"hostd.events.x", "", 0, "nats.subject"},
		{"hostd.svc", "", 0, "nats.subject"},
		{"svc", "0s", 0, "nats.timeout"},
		{"svc", "-1s", 0, "nats.timeout"},
		{"svc", "5m1s", 0, "nats.timeout"},
		{"svc", "soon", 0, "nats.timeout"},
	} {
		d, err := ValidateNATS(&model.NATSTarget{Subject: tc.subject, Timeout: tc.timeout})
		switch {
		case tc.field == "" && (err != nil || d != tc.want):
			t.Errorf("%q %q: %v %v, want %v", tc.subject, tc.timeout, d, err, tc.want)
		case tc.field != "" && (err == nil || !strings.HasPrefix(err.Error(), tc.field+":")):
			t.Errorf("%q %q: error %v, want one about %s", tc.subject, tc.timeout, err, tc.field)
		}
	}
}
