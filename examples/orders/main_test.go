package main

import (
	"net/http"
	"testing"
	"time"

	"github.com/hostd/hostd/abi"
	"github.com/hostd/hostd/sdk/sdktest"
)

func newHost(t *testing.T, kv *sdktest.KV) *sdktest.Host {
	t.Helper()
	h := sdktest.New(t)
	if kv != nil {
		h.KV = kv
	}
	if st := h.CallConfigure(); st != abi.StatusOK {
		t.Fatalf("configure: %v", st)
	}
	return h
}

// deliver runs on_message for one message and returns its status.
func deliver(h *sdktest.Host, subject, data string, delivery int64) abi.Status {
	h.Message = sdktest.Message{Subject: subject, Data: []byte(data), DeliveryCount: delivery,
		Header: http.Header{"Order-Id": {orderID([]byte(data))}}}
	return h.CallMessage()
}

func TestPostPublishesOrder(t *testing.T) {
	h := newHost(t, nil)
	h.Request.Method = "POST"
	h.Request.Body = []byte(`{"id":"42","item":"tea"}`)
	h.CallRequest()
	if h.Response.Status != 202 || len(h.Messaging.Published) != 1 {
		t.Fatalf("status %d, published %+v", h.Response.Status, h.Messaging.Published)
	}
	m := h.Messaging.Published[0]
	if m.Subject != "orders.created" || m.Header["Order-Id"][0] != "42" {
		t.Fatalf("published %+v", m)
	}
	h = newHost(t, nil)
	h.Messaging.Allow = func(string, string) bool { return false }
	h.Request.Method = "POST"
	h.Request.Body = []byte(`{"id":"42"}`)
	h.CallRequest()
	if h.Response.Status != 503 {
		t.Fatalf("without a grant: %d %s", h.Response.Status, h.Response.Body)
	}
}

func TestMessagesStoreAndRetry(t *testing.T) {
	kv := sdktest.NewKV(time.Now)
	h := newHost(t, kv)
	if st := deliver(h, "orders.created", `{"id":"1","note":"fail-once"}`, 1); st == abi.StatusOK {
		t.Fatal("first delivery of fail-once acknowledged")
	}
	if st := deliver(h, "orders.created", `{"id":"1","note":"fail-once"}`, 2); st != abi.StatusOK {
		t.Fatalf("redelivery: %v", st)
	}
	if len(h.Messaging.Published) != 1 || h.Messaging.Published[0].Subject != "orders.stored" {
		t.Fatalf("announcement %+v", h.Messaging.Published)
	}
	h = newHost(t, kv)
	if st := deliver(h, "orders.created", `{"id":"2","note":"poison"}`, 1); st != abi.StatusOK || len(h.Messaging.Settled) != 1 ||
		h.Messaging.Settled[0] != abi.DispositionTerm {
		t.Fatalf("poison: %v %v", st, h.Messaging.Settled)
	}
	h = newHost(t, kv)
	h.Message = sdktest.Message{Subject: "orders.status", Reply: "_INBOX.1", Data: []byte("1")}
	h.CallMessage()
	h.Message = sdktest.Message{Subject: "orders.status", Reply: "_INBOX.2", Data: []byte("2")}
	h.CallMessage()
	r := h.Messaging.Responded
	if len(r) != 2 || string(r[0].Data) != `{"id":"1","note":"fail-once"}` || r[1].Header["Status"][0] != "404" {
		t.Fatalf("responses %+v", r)
	}
}

func TestStatusAsksOverNATS(t *testing.T) {
	h := newHost(t, nil)
	h.Request.Vars = map[string]string{"id": "7"}
	h.Messaging.Responder = func(req sdktest.Sent) (sdktest.Sent, abi.Status) {
		if req.Subject != "orders.status" || string(req.Data) != "7" {
			t.Errorf("request %+v", req)
		}
		return sdktest.Sent{Data: []byte(`{"id":"7"}`), Header: http.Header{"Status": {"200"}}}, abi.StatusOK
	}
	h.CallRequest()
	if h.Response.Status != 200 || string(h.Response.Body) != `{"id":"7"}` {
		t.Fatalf("%d %s", h.Response.Status, h.Response.Body)
	}
	h.Messaging.Responder = nil
	h.CallRequest()
	if h.Response.Status != 503 {
		t.Fatalf("no responders: %d", h.Response.Status)
	}
}
