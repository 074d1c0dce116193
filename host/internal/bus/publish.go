package bus

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/hostd/hostd/host/internal/subject"
)

// EventPrefix is prepended to the kind of every event PublishEvent sends.
const EventPrefix = "hostd.events."

// Publish sends data on subject over the in-process connection (core NATS,
// at most once). It only buffers: it does not wait for the server.
func (b *Bus) Publish(subject string, data []byte) error {
	if err := checkSubject(subject, false); err != nil {
		return err
	}
	if err := b.nc.Publish(subject, data); err != nil {
		return b.wrap("publish", err)
	}
	return nil
}

// PublishEvent JSON-encodes v and publishes it on EventPrefix+kind, kind
// being dot-separated tokens such as "plugin.uploaded". Like Publish it
// returns once the message is buffered.
func (b *Bus) PublishEvent(kind string, v any) error {
	if err := checkSubject(kind, false); err != nil {
		return fmt.Errorf("bus: event kind %q: %w", kind, ErrBadSubject)
	}
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("bus: event %s: %w", kind, err)
	}
	return b.Publish(EventPrefix+kind, data)
}

// Handler receives one message. Handlers of one subscription run one at a
// time, in order, on a goroutine of their own; a panic is recovered and
// logged.
type Handler func(subject string, data []byte)

// Subscribe calls fn for every message on subject, which may contain the
// wildcards * and >. The returned function unsubscribes.
func (b *Bus) Subscribe(subject string, fn Handler) (unsubscribe func() error, err error) {
	return b.QueueSubscribe(subject, "", fn)
}

// QueueSubscribe is Subscribe within a queue group: each message goes to one
// member of the group. An empty queue means a plain subscription. When it
// returns, the server knows the subscription.
func (b *Bus) QueueSubscribe(subject, queue string, fn Handler) (unsubscribe func() error, err error) {
	return b.QueueSubscribeMsg(subject, queue, func(m *Msg) { fn(m.Subject, m.Data) })
}

// Request publishes data on subject and waits for the first reply until ctx
// ends. It fails at once with "no responders" when nobody listens.
func (b *Bus) Request(ctx context.Context, subject string, data []byte) ([]byte, error) {
	if err := checkSubject(subject, false); err != nil {
		return nil, err
	}
	m, err := b.nc.RequestWithContext(ctx, subject, data)
	if err != nil {
		return nil, b.wrap("request", err)
	}
	return m.Data, nil
}

// wrap prefixes err and maps a closed connection to ErrClosed.
func (b *Bus) wrap(op string, err error) error {
	if sentinel := mapErr(err); sentinel != nil {
		return fmt.Errorf("bus: %s: %w (%v)", op, sentinel, err)
	}
	return fmt.Errorf("bus: %s: %w", op, err)
}

// ValidateSubject reports whether subject is one Publish, PublishMsg,
// Request and RequestMsg accept (wildcards false) or one the subscribe
// methods accept (wildcards true). The error wraps ErrBadSubject.
func ValidateSubject(subject string, wildcards bool) error {
	return checkSubject(subject, wildcards)
}

// checkSubject accepts what subject.Valid accepts: dot-separated,
// non-empty tokens without whitespace, at most subject.MaxLen bytes; the
// wildcards * (a whole token) and > (the last token) only if wild.
func checkSubject(s string, wild bool) error {
	if !subject.Valid(s, wild) {
		if !wild && subject.Valid(s, true) {
			return fmt.Errorf("%w: %q (wildcards are for subscriptions)", ErrBadSubject, s)
		}
		return fmt.Errorf("%w: %q", ErrBadSubject, s)
	}
	return nil
}
