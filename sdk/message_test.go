package sdk_test

import (
	"errors"
	"testing"
	"time"

	"github.com/hostd/hostd/abi"
	"github.com/hostd/hostd/sdk"
	"github.com/hostd/hostd/sdk/sdktest"
)

func TestHandleMessageReadsAndResponds(t *testing.T) {
	h := sdktest.New(t)
	h.Message = sdktest.Message{Subject: "orders.created", Reply: "_INBOX.1",
		Header: map[string][]string{"Order-Id": {"42"}}, Data: []byte("payload"), DeliveryCount: 3}
	var got struct {
		subj, reply, id, data string
		count                 int64
	}
	sdk.HandleMessage(func(m sdk.Message) error {
		got.subj, got.reply, got.count = m.Subject(), m.Reply(), m.DeliveryCount()
		got.id, _ = m.Header().Get("Order-Id")
		d, err := m.Data()
		got.data = string(d)
		if err != nil {
			return err
		}
		return m.Respond([]byte("done"), "Status", "ok")
	})
	if st := h.CallMessage(); st != abi.StatusOK {
		t.Fatalf("status %v", st)
	}
	if got.subj != "orders.created" || got.reply != "_INBOX.1" || got.id != "42" || got.data != "payload" || got.count != 3 {
		t.Fatalf("got %+v", got)
	}
	r := h.Messaging.Responded
	if len(r) != 1 || r[0].Subject != "_INBOX.1" || string(r[0].Data) != "done" || r[0].Header["Status"][0] != "ok" {
		t.Fatalf("responded %+v", r)
	}
}

func TestHandleMessageErrorAsksForRedelivery(t *testing.T) {
	h := sdktest.New(t)
	sdk.HandleMessage(func(sdk.Message) error { return errors.New("db down") })
	if st := h.CallMessage(); st == abi.StatusOK {
		t.Fatal("an error must not acknowledge the message")
	}
	if !h.Logged(abi.LogLevelWarn, "db down") {
		t.Fatal("error not logged")
	}
}

func TestSettleOnce(t *testing.T) {
	h := sdktest.New(t)
	var first, second error
	sdk.HandleMessage(func(m sdk.Message) error {
		_ = m.InProgress()
		first = m.Nak(2 * time.Second)
		second = m.Term()
		return nil
	})
	h.CallMessage()
	if first != nil || !errors.Is(second, sdk.ErrConflict) {
		t.Fatalf("nak %v, term %v", first, second)
	}
	if s := h.Messaging.Settled; len(s) != 2 || s[1] != abi.DispositionNak {
		t.Fatalf("settled %v", s)
	}
}

func TestPublishAndRequestGrants(t *testing.T) {
	h := sdktest.New(t)
	h.Messaging.Allow = func(op, subject string) bool {
		return op == "publish" && subject == "orders.created" || op == "request"
	}
	h.Messaging.Responder = func(req sdktest.Sent) (sdktest.Sent, abi.Status) {
		return sdktest.Sent{Header: map[string][]string{"X": {"1"}}, Data: append([]byte("re:"), req.Data...)}, abi.StatusOK
	}
	var errs []error
	var reply sdk.Reply
	var x string
	sdk.HandleRequest(func(sdk.Request, sdk.Response) sdk.Action {
		errs = append(errs, sdk.Publish("orders.created", []byte("o"), "K", "v"))
		errs = append(errs, sdk.Publish("audit.log", nil))
		errs = append(errs, sdk.Publish("hostd.events.x", nil))
		errs = append(errs, sdk.Publish("orders.created", nil, "odd"))
		var err error
		reply, err = sdk.RequestMsg("svc.echo", []byte("hi"), time.Second)
		x, _ = reply.Header().Get("X")
		errs = append(errs, err)
		return sdk.Continue
	})
	h.CallRequest()
	want := []error{nil, sdk.ErrDenied, sdk.ErrDenied, sdk.ErrInvalidArgument, nil}
	for i := range want {
		if !errors.Is(errs[i], want[i]) && errs[i] != want[i] {
			t.Errorf("call %d: %v, want %v", i, errs[i], want[i])
		}
	}
	if string(reply.Data) != "re:hi" || x != "1" {
		t.Fatalf("reply %q %q", reply.Data, x)
	}
	p := h.Messaging.Published
	if len(p) != 1 || p[0].Header["K"][0] != "v" {
		t.Fatalf("published %+v", p)
	}
	h.Messaging.Responder = nil
	sdk.HandleRequest(func(sdk.Request, sdk.Response) sdk.Action {
		_, errs[0] = sdk.RequestMsg("svc.none", nil, time.Second)
		return sdk.Continue
	})
	h.CallRequest()
	if !errors.Is(errs[0], sdk.ErrNotFound) {
		t.Fatalf("no responders: %v", errs[0])
	}
}
