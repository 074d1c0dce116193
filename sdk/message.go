package sdk

import (
	"time"

	"github.com/hostd/hostd/abi"
	"github.com/hostd/hostd/sdk/internal/dispatch"
	"github.com/hostd/hostd/sdk/internal/imports"
)

// HandleMessage registers the function the host calls for each message a
// trigger delivers to this plugin (on_message). Returning nil acknowledges
// the message; returning an error logs it and asks for redelivery (after
// the trigger's max_deliver the message goes to its dead-letter subject),
// unless the function settled the message itself with Message.Ack, Nak or
// Term. Call it from init.
func HandleMessage(f func(msg Message) error) {
	dispatch.SetMessage(func() abi.Status {
		if err := f(Message{}); err != nil {
			Log(abi.LogLevelWarn, "message: "+err.Error())
			return abi.StatusInternal
		}
		return abi.StatusOK
	})
}

// Message is the message being handled by the message callback. Its methods
// may only be called from that callback.
type Message struct{}

// Subject returns the subject the message was published on.
func (Message) Subject() string { return readString(imports.MsgGetSubject) }

// Reply returns the message's reply subject, "" when it has none.
func (Message) Reply() string { return readString(imports.MsgGetReply) }

// DeliveryCount is 1 on the first delivery, 2 on the first redelivery...
func (Message) DeliveryCount() int64 { return imports.MsgDeliveryCount() }

// Header returns the message's headers (read only; names as sent).
func (Message) Header() Header { return Header{kind: abi.HeaderKindMessage} }

// Data returns the message's payload.
func (Message) Data() ([]byte, error) { return readBody(abi.HeaderKindMessage) }

// Respond replies on the message's reply subject. headers are name, value
// pairs. ErrNotFound means the message has no reply subject.
func (Message) Respond(data []byte, headers ...string) error {
	h, err := encodeHeaders(headers)
	if err != nil {
		return err
	}
	return errOf(imports.MsgRespond(h, data))
}

// Ack settles the message as processed: it is not delivered again.
func (Message) Ack() error { return errOf(imports.MsgSettle(abi.DispositionAck, 0)) }

// Nak asks for the message to be delivered again after delay.
func (Message) Nak(delay time.Duration) error {
	return errOf(imports.MsgSettle(abi.DispositionNak, delay.Milliseconds()))
}

// Term settles the message for good: never delivered again, not
// dead-lettered.
func (Message) Term() error { return errOf(imports.MsgSettle(abi.DispositionTerm, 0)) }

// InProgress restarts the message's ack timer during long work.
func (Message) InProgress() error {
	return errOf(imports.MsgSettle(abi.DispositionInProgress, 0))
}

// Publish sends data on subject (core NATS, at most once). headers are
// name, value pairs. The subject must be granted for publishing by the
// plugin's binding; otherwise ErrDenied.
func Publish(subject string, data []byte, headers ...string) error {
	h, err := encodeHeaders(headers)
	if err != nil {
		return err
	}
	return errOf(imports.MsgPublish(bytesOf(subject), h, data))
}

// Reply is the answer to RequestMsg.
type Reply struct {
	// Data is the reply's payload.
	Data []byte
}

// Header returns the reply's headers (read only). It reads the host's copy,
// which the next RequestMsg replaces.
func (Reply) Header() Header { return Header{kind: abi.HeaderKindReply} }

// RequestMsg sends data on subject and waits up to timeout for the first reply.
// The subject must be granted for requests by the plugin's binding
// (ErrDenied otherwise). ErrNotFound means nobody listens on the subject,
// ErrTimeout that no reply came in time.
func RequestMsg(subject string, data []byte, timeout time.Duration, headers ...string) (Reply, error) {
	h, err := encodeHeaders(headers)
	if err != nil {
		return Reply{}, err
	}
	ms := timeout.Milliseconds()
	if ms < 1 {
		ms = 1
	}
	if err := errOf(imports.MsgRequest(bytesOf(subject), h, data, ms)); err != nil {
		return Reply{}, err
	}
	body, err := readBody(abi.HeaderKindReply)
	return Reply{Data: body}, err
}

// hdrBuf is reused for encoded headers; the host only reads it during the
// call.
var hdrBuf []byte

// encodeHeaders encodes name, value pairs as the ABI's length-prefixed list.
func encodeHeaders(kv []string) ([]byte, error) {
	if len(kv) == 0 {
		return nil, nil
	}
	if len(kv)%2 != 0 {
		return nil, ErrInvalidArgument
	}
	hdrBuf = hdrBuf[:0]
	for _, s := range kv {
		n := uint32(len(s))
		hdrBuf = append(hdrBuf, byte(n), byte(n>>8), byte(n>>16), byte(n>>24))
		hdrBuf = append(hdrBuf, s...)
	}
	return hdrBuf, nil
}
