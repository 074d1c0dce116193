package engine

import (
	"context"
	"encoding/binary"
	"net/http"
	"strings"
	"time"

	"github.com/hostd/hostd/abi"
	"github.com/hostd/hostd/host/internal/subject"
	"github.com/tetratelabs/wazero/api"
	"golang.org/x/net/http/httpguts"
)

// Messenger sends plugin messages. The host implements it over NATS. Its
// methods must return promptly; Request honours ctx's deadline.
type Messenger interface {
	// Publish sends a message (at most once).
	Publish(subject string, hdr http.Header, data []byte) abi.Status
	// Request sends a request and returns the first reply: StatusOK,
	// StatusNotFound (no responders), StatusTimeout or StatusUnavailable.
	Request(ctx context.Context, subject string, hdr http.Header, data []byte) (http.Header, []byte, abi.Status)
}

// Grants lists the subject patterns (NATS wildcards * and >) a binding may
// publish to and send requests to. The zero value grants nothing.
type Grants struct {
	Publish []string
	Request []string
}

// Message is a message delivered to on_message.
type Message struct {
	Subject, Reply string
	Header         http.Header
	Data           []byte
	Delivered      uint64
	// Respond publishes msg_respond's reply on the connection the message
	// came in on (its NATS user may answer it); nil means
	// Messenger.Publish on Reply.
	Respond func(hdr http.Header, data []byte) abi.Status
	// Settle applies msg_settle; nil for messages that need no settling
	// (core NATS), for which msg_settle succeeds and does nothing.
	Settle func(d abi.Disposition, delay time.Duration) abi.Status

	settled bool
}

// Settled reports whether the guest settled the message (ack, nak or
// term) during on_message.
func (m *Message) Settled() bool { return m.settled }

// reply is the messaging state of the running callback: the answer to its
// last msg_request, and what it has sent so far. The instance resets it at
// the start and the end of every callback.
type reply struct {
	header http.Header
	data   []byte
	sent   sendBudget
}

var sendPhases = []phase{phaseRequest, phaseResponse, phaseMessage}

// decodeMsgHeaders parses the ABI's length-prefixed name/value list.
func decodeMsgHeaders(b []byte) (http.Header, bool) {
	if len(b) == 0 {
		return nil, true
	}
	h := http.Header{}
	var name string
	odd := false
	for len(b) > 0 {
		if len(b) < 4 {
			return nil, false
		}
		n := binary.LittleEndian.Uint32(b)
		if uint64(n) > uint64(len(b)-4) {
			return nil, false
		}
		item := string(b[4 : 4+n])
		b = b[4+n:]
		if !odd {
			if !httpguts.ValidHeaderFieldName(item) {
				return nil, false
			}
			name = item
		} else {
			if strings.ContainsAny(item, "\r\n\x00") {
				return nil, false
			}
			h[name] = append(h[name], item)
		}
		odd = !odd
	}
	return h, !odd
}

// grant selects the grant list a send is checked against.
type grant uint8

const (
	grantPublish grant = iota
	grantRequest
	grantReply // answering the message being handled: no grant needed
)

// outgoing checks a message the guest sends to subj and decodes its
// headers: messaging offered, a concrete subject outside the reserved
// spaces (subject.Reserved; a reply may go to an inbox), valid headers,
// size, the binding's grant for the kind of send, and the callback's send
// budget, which it charges.
func (i *Instance) outgoing(g grant, subj string, headers, data []byte) (http.Header, abi.Status) {
	if i.p.cfg.Messenger == nil {
		return nil, abi.StatusUnsupported
	}
	if g == grantReply && subj == "" {
		return nil, abi.StatusNotFound
	}
	hdr, ok := decodeMsgHeaders(headers)
	switch {
	case !subject.Valid(subj, false) && g != grantReply, !ok:
		return nil, abi.StatusInvalidArgument
	case len(headers)+len(data) > abi.MaxMessageBytes:
		return nil, abi.StatusTooLarge
	case g != grantReply && subject.Reserved(subj),
		g == grantReply && subject.Reserved(subj) && !subject.Inbox(subj):
		// Defence in depth: grants never match a reserved space (the
		// admin API refuses them), and the plugin connection's NATS user
		// is denied them too. A reply may go to the inbox the message
		// names (a request's own reply subject), never to $… or hostd.
		return nil, abi.StatusDenied
	case g == grantPublish && !subject.MatchesAny(i.p.b.Grants.Publish, subj),
		g == grantRequest && !subject.MatchesAny(i.p.b.Grants.Request, subj):
		return nil, abi.StatusDenied
	case !i.reply.sent.take(&i.p.cfg, len(headers)+len(data)):
		// Charged here: every send that passes goes to the Messenger.
		return nil, abi.StatusTooLarge
	}
	return hdr, abi.StatusOK
}

func msgPublish(ctx context.Context, m api.Module, stack []uint64) {
	i := instanceOf(ctx)
	i.needPhase("msg_publish", sendPhases...)
	subj := read(m, u32ToU(stack[0]), u32ToU(stack[1]), "msg_publish")
	headers := read(m, u32ToU(stack[2]), u32ToU(stack[3]), "msg_publish")
	data := read(m, u32ToU(stack[4]), u32ToU(stack[5]), "msg_publish")
	hdr, st := i.outgoing(grantPublish, string(subj), headers, data)
	if st == abi.StatusOK {
		st = i.p.cfg.Messenger.Publish(string(subj), hdr, data)
	}
	stack[0] = uint64(st)
}

func msgRequest(ctx context.Context, m api.Module, stack []uint64) {
	i := instanceOf(ctx)
	i.needPhase("msg_request", sendPhases...)
	subj := read(m, u32ToU(stack[0]), u32ToU(stack[1]), "msg_request")
	headers := read(m, u32ToU(stack[2]), u32ToU(stack[3]), "msg_request")
	data := read(m, u32ToU(stack[4]), u32ToU(stack[5]), "msg_request")
	timeout := int64(stack[6])
	i.reply.header, i.reply.data = nil, nil
	if timeout < 1 {
		stack[0] = uint64(abi.StatusInvalidArgument)
		return
	}
	hdr, st := i.outgoing(grantRequest, string(subj), headers, data)
	if st != abi.StatusOK {
		stack[0] = uint64(st)
		return
	}
	bctx, cancel := i.bounded(ctx) // the call's deadline and client-gone
	defer cancel()
	rctx, cancelReq := context.WithTimeout(bctx, millis(timeout))
	defer cancelReq()
	rh, rd, st := i.p.cfg.Messenger.Request(rctx, string(subj), hdr, data)
	if st == abi.StatusOK {
		i.reply.header, i.reply.data = rh, rd
	}
	stack[0] = uint64(st)
}

func msgRespond(ctx context.Context, m api.Module, stack []uint64) {
	i := instanceOf(ctx)
	i.needPhase("msg_respond", phaseMessage)
	headers := read(m, u32ToU(stack[0]), u32ToU(stack[1]), "msg_respond")
	data := read(m, u32ToU(stack[2]), u32ToU(stack[3]), "msg_respond")
	hdr, st := i.outgoing(grantReply, i.msg.Reply, headers, data)
	switch {
	case st != abi.StatusOK:
	case i.msg.Respond != nil:
		st = i.msg.Respond(hdr, data)
	default:
		st = i.p.cfg.Messenger.Publish(i.msg.Reply, hdr, data)
	}
	stack[0] = uint64(st)
}

func msgGetSubject(ctx context.Context, m api.Module, stack []uint64) {
	i := instanceOf(ctx)
	i.needPhase("msg_get_subject", phaseMessage)
	stack[0] = u32(writeString(m, u32ToU(stack[0]), u32ToU(stack[1]), i.msg.Subject, "msg_get_subject"))
}

func msgGetReply(ctx context.Context, m api.Module, stack []uint64) {
	i := instanceOf(ctx)
	i.needPhase("msg_get_reply", phaseMessage)
	stack[0] = u32(writeString(m, u32ToU(stack[0]), u32ToU(stack[1]), i.msg.Reply, "msg_get_reply"))
}

func msgDeliveryCount(ctx context.Context, _ api.Module, stack []uint64) {
	i := instanceOf(ctx)
	i.needPhase("msg_delivery_count", phaseMessage)
	n := i.msg.Delivered
	if n == 0 {
		n = 1
	}
	stack[0] = n
}

func msgSettle(ctx context.Context, _ api.Module, stack []uint64) {
	i := instanceOf(ctx)
	i.needPhase("msg_settle", phaseMessage)
	d, delay := abi.Disposition(api.DecodeU32(stack[0])), int64(stack[1])
	msg := i.msg
	switch {
	case i.p.cfg.Messenger == nil:
		stack[0] = uint64(abi.StatusUnsupported)
		return
	case d > abi.DispositionInProgress || delay < 0:
		stack[0] = uint64(abi.StatusInvalidArgument)
		return
	case msg.settled:
		stack[0] = uint64(abi.StatusConflict)
		return
	}
	st := abi.StatusOK
	if msg.Settle != nil {
		st = msg.Settle(d, millis(delay))
	}
	if st == abi.StatusOK && d != abi.DispositionInProgress {
		msg.settled = true
	}
	stack[0] = uint64(st)
}
