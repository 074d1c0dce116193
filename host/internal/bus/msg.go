package bus

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Header is a message's headers: canonical-as-given names to values, like
// http.Header but case-sensitive (NATS headers keep the case they were sent
// with).
type Header map[string][]string

// Msg is one received message. For a core NATS subscription Delivered is 1
// and Ack, Nak and Term do nothing; for a JetStream consumer they settle the
// message.
type Msg struct {
	Subject string
	Reply   string
	Header  Header
	Data    []byte
	// Delivered counts deliveries of this message, 1 on the first.
	Delivered uint64
	// Stream and Sequence locate a JetStream message; empty/0 for core.
	Stream   string
	Sequence uint64

	m  *nats.Msg
	jm jetstream.Msg // set for JetStream messages
	js bool
}

func newMsg(m *nats.Msg) *Msg {
	return &Msg{Subject: m.Subject, Reply: m.Reply, Header: Header(m.Header), Data: m.Data, Delivered: 1, m: m}
}

// IsJetStream reports whether the message came from a JetStream consumer
// and must be settled with Ack, Nak or Term.
func (m *Msg) IsJetStream() bool { return m.js }

// Respond publishes a reply on the message's reply subject. It fails with
// ErrNoReply when the message has none.
func (m *Msg) Respond(hdr Header, data []byte) error {
	if m.Reply == "" || m.m == nil {
		return ErrNoReply
	}
	r := &nats.Msg{Subject: m.Reply, Header: nats.Header(hdr), Data: data}
	if err := m.m.RespondMsg(r); err != nil {
		if sentinel := mapErr(err); sentinel != nil {
			return fmt.Errorf("bus: respond: %w (%v)", sentinel, err)
		}
		return fmt.Errorf("bus: respond: %w", err)
	}
	return nil
}

// Ack acknowledges a JetStream message and waits for the server to confirm,
// so an acknowledged message is not redelivered.
func (m *Msg) Ack(ctx context.Context) error {
	if !m.js {
		return nil
	}
	if err := m.jm.DoubleAck(ctx); err != nil {
		return fmt.Errorf("bus: ack: %w", err)
	}
	return nil
}

// Nak asks for redelivery of a JetStream message after delay (0: at once).
func (m *Msg) Nak(delay time.Duration) error {
	if !m.js {
		return nil
	}
	var err error
	if delay > 0 {
		err = m.jm.NakWithDelay(delay)
	} else {
		err = m.jm.Nak()
	}
	if err != nil {
		return fmt.Errorf("bus: nak: %w", err)
	}
	return nil
}

// Term tells JetStream never to redeliver the message.
func (m *Msg) Term() error {
	if !m.js {
		return nil
	}
	if err := m.jm.Term(); err != nil {
		return fmt.Errorf("bus: term: %w", err)
	}
	return nil
}

// InProgress resets a JetStream message's ack timer.
func (m *Msg) InProgress() error {
	if !m.js {
		return nil
	}
	if err := m.jm.InProgress(); err != nil {
		return fmt.Errorf("bus: in progress: %w", err)
	}
	return nil
}

// PublishMsg publishes data with headers on subject (core NATS, at most
// once). It only buffers.
func (b *Bus) PublishMsg(subject string, hdr Header, data []byte) error {
	return b.publishMsg(b.nc, subject, hdr, data)
}

func (b *Bus) publishMsg(nc *nats.Conn, subject string, hdr Header, data []byte) error {
	if err := checkSubject(subject, false); err != nil {
		return err
	}
	if err := nc.PublishMsg(&nats.Msg{Subject: subject, Header: nats.Header(hdr), Data: data}); err != nil {
		return b.wrap("publish", err)
	}
	return nil
}

// RequestMsg publishes a request with headers and waits for the first reply
// until ctx ends. It fails with an error wrapping ErrNoResponders at once
// when nobody listens, and ErrTimeout when ctx's deadline passes first.
func (b *Bus) RequestMsg(ctx context.Context, subject string, hdr Header, data []byte) (*Msg, error) {
	return b.requestMsg(ctx, b.nc, subject, hdr, data)
}

func (b *Bus) requestMsg(ctx context.Context, nc *nats.Conn, subject string, hdr Header, data []byte) (*Msg, error) {
	if err := checkSubject(subject, false); err != nil {
		return nil, err
	}
	r, err := nc.RequestMsgWithContext(ctx, &nats.Msg{Subject: subject, Header: nats.Header(hdr), Data: data})
	if err != nil {
		return nil, b.wrap("request", err)
	}
	return newMsg(r), nil
}

// MsgHandler receives one message. See QueueSubscribeMsg for the goroutine
// it runs on.
type MsgHandler func(*Msg)

// QueueSubscribeMsg is QueueSubscribe with the whole message (reply subject
// and headers too). Handlers of one subscription run one at a time on the
// subscription's goroutine; a handler that must not hold up the next
// message hands it off. A panic is recovered and logged.
func (b *Bus) QueueSubscribeMsg(subject, queue string, fn MsgHandler) (unsubscribe func() error, err error) {
	return b.queueSubscribeMsg(b.nc, subject, queue, fn)
}

func (b *Bus) queueSubscribeMsg(nc *nats.Conn, subject, queue string, fn MsgHandler) (unsubscribe func() error, err error) {
	if err := checkSubject(subject, true); err != nil {
		return nil, err
	}
	sub, err := nc.QueueSubscribe(subject, queue, func(m *nats.Msg) {
		defer b.recoverHandler(m.Subject)
		fn(newMsg(m))
	})
	if err != nil {
		return nil, b.wrap("subscribe", err)
	}
	if err := nc.Flush(); err != nil {
		_ = sub.Unsubscribe()
		return nil, b.wrap("subscribe", err)
	}
	return func() error {
		if err := sub.Unsubscribe(); err != nil {
			return b.wrap("unsubscribe", err)
		}
		return nil
	}, nil
}

func (b *Bus) recoverHandler(subject string) {
	if r := recover(); r != nil {
		b.log.Error("bus: handler panicked", "subject", subject, "panic", r)
	}
}

// mapErr turns nats.go sentinel errors into this package's.
func mapErr(err error) error {
	switch {
	case errors.Is(err, nats.ErrNoResponders), errors.Is(err, jetstream.ErrNoStreamResponse):
		return ErrNoResponders
	case errors.Is(err, nats.ErrTimeout), errors.Is(err, context.DeadlineExceeded):
		return ErrTimeout
	case errors.Is(err, nats.ErrConnectionClosed), errors.Is(err, nats.ErrConnectionDraining):
		return ErrClosed
	case errors.Is(err, nats.ErrMaxPayload):
		return ErrTooLarge
	}
	return nil
}
