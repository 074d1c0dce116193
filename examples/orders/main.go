// Command orders is a hostd plugin that serves HTTP and consumes NATS
// messages with one artifact: the messaging example of README.md.
//
// As a route handler (bind it to "/orders" and "/orders/{id}"):
//
//	POST /orders        body {"id":"42",...} → publishes it on orders.created
//	                    (header Order-Id) and answers 202
//	GET  /orders/{id}   asks orders.status (NATS request) and answers with
//	                    the reply: 200 and the order, or 404
//
// As a trigger on "orders.>" (on_message):
//
//	orders.created   stores the order in KV (order/<id>) and, when granted,
//	                 announces it on orders.stored. A body containing
//	                 "fail-once" fails the first delivery (nak: redelivered),
//	                 "fail-always" fails every delivery (dead-lettered after
//	                 max_deliver), "poison" is terminated (never redelivered).
//	orders.status    answers with the stored order or the header Status: 404.
//	orders.ping      answers "pong" to a request, acknowledges anything else
//	                 (used by the benchmarks).
//
// The route binding needs the grants publish ["orders.created"] and request
// ["orders.status"]; the trigger needs none (it only responds).
package main

import (
	"bytes"
	"errors"
	"strings"
	"time"

	"github.com/hostd/hostd/abi"
	"github.com/hostd/hostd/sdk"
)

func init() {
	sdk.HandleConfigure(configure)
	sdk.HandleRequest(handle)
	sdk.HandleMessage(onMessage)
}

func main() {}

func configure([]byte) error {
	if !sdk.EnableFeatures(abi.FeatureKV).IsEnabled(abi.FeatureKV) {
		return errors.New("orders: KV is not available to this plugin")
	}
	return nil
}

// handle serves the HTTP side.
func handle(req sdk.Request, resp sdk.Response) sdk.Action {
	if id, ok := req.RouteVar("id"); ok {
		return status(resp, id)
	}
	if req.Method() != "POST" {
		return reply(resp, 405, `{"error":"use POST /orders or GET /orders/{id}"}`)
	}
	body, err := req.Body()
	if err != nil {
		return reply(resp, 413, `{"error":"body too large"}`)
	}
	id := orderID(body)
	if id == "" {
		return reply(resp, 400, `{"error":"the body needs an \"id\" string"}`)
	}
	if err := sdk.Publish("orders.created", body, "Order-Id", id); err != nil {
		return reply(resp, 503, `{"error":"could not queue the order: `+err.Error()+`"}`)
	}
	return reply(resp, 202, `{"queued":"`+id+`"}`)
}

func status(resp sdk.Response, id string) sdk.Action {
	r, err := sdk.RequestMsg("orders.status", []byte(id), 2*time.Second)
	switch {
	case errors.Is(err, sdk.ErrNotFound):
		return reply(resp, 503, `{"error":"no order service is listening"}`)
	case err != nil:
		return reply(resp, 504, `{"error":"order service: `+err.Error()+`"}`)
	}
	if st, _ := r.Header().Get("Status"); st == "404" {
		return reply(resp, 404, `{"error":"no such order"}`)
	}
	return reply(resp, 200, string(r.Data))
}

func reply(resp sdk.Response, code int, body string) sdk.Action {
	_ = resp.Header().Set("Content-Type", "application/json")
	_ = resp.Send(code, []byte(body))
	return sdk.Respond
}

// onMessage serves the trigger side.
func onMessage(msg sdk.Message) error {
	data, err := msg.Data()
	if err != nil {
		return err
	}
	switch msg.Subject() {
	case "orders.status":
		v, _, found, err := sdk.KV.Get("order/" + string(data))
		if err != nil {
			return err
		}
		if !found {
			return msg.Respond(nil, "Status", "404")
		}
		return msg.Respond(v, "Status", "200")
	case "orders.created":
		return created(msg, data)
	case "orders.ping":
		if msg.Reply() != "" {
			return msg.Respond([]byte("pong"))
		}
		return nil
	}
	return msg.Term() // a subject this plugin does not know: never retry
}

func created(msg sdk.Message, data []byte) error {
	switch {
	case bytes.Contains(data, []byte("poison")):
		sdk.Log(abi.LogLevelWarn, "orders: poison message, terminated")
		return msg.Term()
	case bytes.Contains(data, []byte("fail-always")),
		bytes.Contains(data, []byte("fail-once")) && msg.DeliveryCount() == 1:
		return errors.New("orders: simulated failure")
	}
	id, _ := msg.Header().Get("Order-Id")
	if id == "" {
		id = orderID(data)
	}
	if _, err := sdk.KV.Put("order/"+id, data, 0); err != nil {
		return err
	}
	// Announce it when the trigger grants publish on orders.stored.
	if err := sdk.Publish("orders.stored", data, "Order-Id", id); err != nil && !errors.Is(err, sdk.ErrDenied) {
		return err
	}
	return nil
}

// orderID extracts the "id" string of a small JSON object without a JSON
// library (TinyGo-friendly; the example does not need full parsing).
func orderID(body []byte) string {
	s := string(body)
	i := strings.Index(s, `"id"`)
	if i < 0 {
		return ""
	}
	s = strings.TrimLeft(s[i+4:], " \t:")
	if !strings.HasPrefix(s, `"`) {
		return ""
	}
	s = s[1:]
	if j := strings.IndexByte(s, '"'); j > 0 {
		return s[:j]
	}
	return ""
}
