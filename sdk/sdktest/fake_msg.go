package sdktest

import (
	"encoding/binary"
	"net/http"
	"strings"

	"github.com/hostd/hostd/abi"
	"github.com/hostd/hostd/sdk/internal/dispatch"
)

// Message is a message delivered to on_message by CallMessage.
type Message struct {
	Subject string
	Reply   string
	// Header keeps names as given (NATS headers are case-sensitive).
	Header http.Header
	Data   []byte
	// DeliveryCount is what msg_delivery_count returns; 0 means 1.
	DeliveryCount int64
}

// Sent is a message the guest published, requested or responded with, or a
// reply a Responder produced.
type Sent struct {
	Subject string
	Header  http.Header
	Data    []byte
}

// Messaging is the fake host's NATS: it records what the guest sends and
// answers its requests.
type Messaging struct {
	// Allow reports whether the binding grants op ("publish" or "request")
	// on subject. nil grants everything; subjects under "hostd." are always
	// denied, as in hostd.
	Allow func(op, subject string) bool
	// Responder answers msg_request. nil means no responders
	// (abi.StatusNotFound). Return abi.StatusTimeout to simulate a timeout.
	Responder func(req Sent) (reply Sent, st abi.Status)

	// Published, Requested and Responded record the guest's calls in order.
	Published, Requested, Responded []Sent
	// Settled records the dispositions passed to msg_settle that took
	// effect (in_progress included).
	Settled []abi.Disposition
}

// CallMessage calls on_message with h.Message and returns its status.
func (h *Host) CallMessage() abi.Status {
	h.t.Helper()
	var st abi.Status
	h.call(phaseMessage, func() { st = dispatch.Message() })
	return st
}

func (f fake) msgHeaders(fn string, kind abi.HeaderKind, write bool) http.Header {
	if write {
		f.h.trapf("%s: header kind %s is read only", fn, kind)
	}
	if kind == abi.HeaderKindMessage {
		f.h.need(fn, phaseMessage)
		return f.h.Message.Header
	}
	f.h.need(fn, sendPhase...)
	return f.h.reply.Header
}

// decodeHeaders parses the ABI's length-prefixed name/value list.
func decodeHeaders(b []byte) (http.Header, bool) {
	h := http.Header{}
	var items []string
	for len(b) > 0 {
		if len(b) < 4 {
			return nil, false
		}
		n := binary.LittleEndian.Uint32(b)
		if uint64(n) > uint64(len(b)-4) {
			return nil, false
		}
		items = append(items, string(b[4:4+n]))
		b = b[4+n:]
	}
	if len(items)%2 != 0 {
		return nil, false
	}
	for i := 0; i < len(items); i += 2 {
		if !validName([]byte(items[i])) || strings.ContainsAny(items[i+1], "\r\n\x00") {
			return nil, false
		}
		h[items[i]] = append(h[items[i]], items[i+1])
	}
	return h, true
}

func validSubject(s string) bool {
	if s == "" || len(s) > abi.MaxSubjectLen || strings.ContainsAny(s, " \t\r\n*>") {
		return false
	}
	for _, tok := range strings.Split(s, ".") {
		if tok == "" {
			return false
		}
	}
	return true
}

// outgoing checks and decodes a message the guest sends.
func (f fake) outgoing(op string, subject, headers, data []byte) (Sent, abi.Status) {
	m := f.h.Messaging
	if m == nil {
		return Sent{}, abi.StatusUnsupported
	}
	hdr, ok := decodeHeaders(headers)
	switch {
	case !ok, op != "respond" && !validSubject(string(subject)):
		return Sent{}, abi.StatusInvalidArgument
	case len(headers)+len(data) > abi.MaxMessageBytes:
		return Sent{}, abi.StatusTooLarge
	case strings.HasPrefix(string(subject), "hostd."):
		return Sent{}, abi.StatusDenied
	case op != "respond" && m.Allow != nil && !m.Allow(op, string(subject)):
		return Sent{}, abi.StatusDenied
	}
	return Sent{Subject: string(subject), Header: hdr, Data: append([]byte(nil), data...)}, abi.StatusOK
}

func (f fake) MsgPublish(subject, headers, data []byte) abi.Status {
	f.h.need("msg_publish", sendPhase...)
	s, st := f.outgoing("publish", subject, headers, data)
	if st == abi.StatusOK {
		f.h.Messaging.Published = append(f.h.Messaging.Published, s)
	}
	return st
}

func (f fake) MsgRequest(subject, headers, data []byte, timeoutMillis int64) abi.Status {
	f.h.need("msg_request", sendPhase...)
	f.h.reply = Sent{}
	if timeoutMillis < 1 && f.h.Messaging != nil {
		return abi.StatusInvalidArgument
	}
	s, st := f.outgoing("request", subject, headers, data)
	if st != abi.StatusOK {
		return st
	}
	m := f.h.Messaging
	m.Requested = append(m.Requested, s)
	if m.Responder == nil {
		return abi.StatusNotFound
	}
	r, st := m.Responder(s)
	if st == abi.StatusOK {
		f.h.reply = r
	}
	return st
}

func (f fake) MsgRespond(headers, data []byte) abi.Status {
	f.h.need("msg_respond", phaseMessage)
	if f.h.Message.Reply == "" {
		return abi.StatusNotFound
	}
	s, st := f.outgoing("respond", []byte(f.h.Message.Reply), headers, data)
	if st == abi.StatusOK {
		f.h.Messaging.Responded = append(f.h.Messaging.Responded, s)
	}
	return st
}

func (f fake) MsgGetSubject(buf []byte) uint32 {
	f.h.need("msg_get_subject", phaseMessage)
	return put(buf, f.h.Message.Subject)
}

func (f fake) MsgGetReply(buf []byte) uint32 {
	f.h.need("msg_get_reply", phaseMessage)
	return put(buf, f.h.Message.Reply)
}

func (f fake) MsgDeliveryCount() int64 {
	f.h.need("msg_delivery_count", phaseMessage)
	if f.h.Message.DeliveryCount < 1 {
		return 1
	}
	return f.h.Message.DeliveryCount
}

func (f fake) MsgSettle(d abi.Disposition, delayMillis int64) abi.Status {
	f.h.need("msg_settle", phaseMessage)
	m := f.h.Messaging
	switch {
	case m == nil:
		return abi.StatusUnsupported
	case d > abi.DispositionInProgress || delayMillis < 0:
		return abi.StatusInvalidArgument
	}
	if f.h.settled {
		return abi.StatusConflict
	}
	f.h.settled = d != abi.DispositionInProgress
	m.Settled = append(m.Settled, d)
	return abi.StatusOK
}
