package bus

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// ConsumerSpec describes a durable JetStream consumer.
type ConsumerSpec struct {
	// Stream names the stream. If it does not exist, Consume creates it
	// (file storage) capturing Subjects.
	Stream string
	// Subjects are the subjects a created stream captures.
	Subjects []string
	// Durable names the consumer; consumers of one name on any node share
	// the work.
	Durable string
	// FilterSubject restricts the consumer to matching subjects; empty
	// means the whole stream.
	FilterSubject string
	// AckWait is how long the server waits for an ack before redelivering.
	AckWait time.Duration
	// MaxAckPending bounds the messages delivered and not yet settled, on
	// all nodes together (nakked messages waiting for redelivery count).
	// 0 means the server's default (1000).
	MaxAckPending int
	// Prefetch bounds the messages this node pulls ahead of its handler;
	// 0 means the client's default (500). Keep it small when handling is
	// slow, so that messages are not held here while other nodes idle.
	Prefetch int
	// Replicas is the replica count of a created stream (and the
	// consumer); 0 means 1.
	Replicas int
}

func (b *Bus) jetStream() (jetstream.JetStream, error) {
	js, err := jetstream.New(b.nc)
	if err != nil {
		return nil, fmt.Errorf("bus: jetstream: %w", err)
	}
	return js, nil
}

// EnsureStream creates the stream capturing subjects unless one of that
// name exists (which is then left as it is).
func (b *Bus) EnsureStream(ctx context.Context, name string, subjects []string, replicas int) error {
	js, err := b.jetStream()
	if err != nil {
		return err
	}
	_, err = js.Stream(ctx, name)
	if err == nil {
		return nil
	}
	if !errors.Is(err, jetstream.ErrStreamNotFound) {
		return fmt.Errorf("bus: stream %s: %w", name, err)
	}
	if replicas <= 0 {
		replicas = 1
	}
	_, err = js.CreateStream(ctx, jetstream.StreamConfig{
		Name: name, Subjects: subjects, Storage: jetstream.FileStorage, Replicas: replicas,
	})
	if err != nil && !errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) {
		return fmt.Errorf("bus: create stream %s: %w", name, err)
	}
	return nil
}

// Consume creates or updates the durable consumer spec describes (and its
// stream if missing) and calls fn for each message, one at a time on one
// goroutine. fn must settle each message (Ack, Nak, Term) or it is
// redelivered after AckWait. The returned stop function ends delivery and
// waits for it; messages not yet settled are redelivered later.
func (b *Bus) Consume(ctx context.Context, spec ConsumerSpec, fn MsgHandler) (stop func(), err error) {
	if err := b.EnsureStream(ctx, spec.Stream, spec.Subjects, spec.Replicas); err != nil {
		return nil, err
	}
	js, err := b.jetStream()
	if err != nil {
		return nil, err
	}
	cc := jetstream.ConsumerConfig{
		Durable:       spec.Durable,
		FilterSubject: spec.FilterSubject,
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       spec.AckWait,
		MaxAckPending: spec.MaxAckPending,
		MaxDeliver:    -1, // the caller decides when to give up (dead letter)
		Replicas:      spec.Replicas,
	}
	cons, err := js.CreateOrUpdateConsumer(ctx, spec.Stream, cc)
	if err != nil {
		return nil, fmt.Errorf("bus: consumer %s/%s: %w", spec.Stream, spec.Durable, err)
	}
	opts := []jetstream.PullConsumeOpt{jetstream.ConsumeErrHandler(func(_ jetstream.ConsumeContext, err error) {
		b.log.Debug("bus: consume", "stream", spec.Stream, "durable", spec.Durable, "err", err)
	})}
	if spec.Prefetch > 0 {
		opts = append(opts, jetstream.PullMaxMessages(spec.Prefetch))
	}
	cctx, err := cons.Consume(func(m jetstream.Msg) { b.deliver(m, fn) }, opts...)
	if err != nil {
		return nil, fmt.Errorf("bus: consume %s/%s: %w", spec.Stream, spec.Durable, err)
	}
	return func() {
		cctx.Drain()
		<-cctx.Closed()
	}, nil
}

func (b *Bus) deliver(jm jetstream.Msg, fn MsgHandler) {
	defer b.recoverHandler(jm.Subject())
	m := &Msg{Subject: jm.Subject(), Header: Header(jm.Headers()), Data: jm.Data(), Delivered: 1, js: true, jm: jm}
	if md, err := jm.Metadata(); err == nil {
		m.Delivered, m.Stream, m.Sequence = md.NumDelivered, md.Stream, md.Sequence.Stream
	}
	fn(m)
}

// PublishDurable publishes on a subject a stream captures and waits for the
// stream's acknowledgement: when it returns nil the message is stored
// (fsynced under the default sync setting). It returns the stream sequence.
func (b *Bus) PublishDurable(ctx context.Context, subject string, hdr Header, data []byte) (uint64, error) {
	if err := checkSubject(subject, false); err != nil {
		return 0, err
	}
	js, err := b.jetStream()
	if err != nil {
		return 0, err
	}
	ack, err := js.PublishMsg(ctx, &nats.Msg{Subject: subject, Header: nats.Header(hdr), Data: data})
	if err != nil {
		return 0, b.wrap("publish durable", err)
	}
	return ack.Sequence, nil
}

// WaitJetStream returns nil once the JetStream API answers (in a cluster:
// once a meta leader is elected and reachable), retrying until ctx ends;
// then the error wraps ErrNotReady. Standalone it returns at once. Start
// does not wait for this, as the nodes of a cluster start one by one.
func (b *Bus) WaitJetStream(ctx context.Context) error {
	js, err := b.jetStream()
	if err != nil {
		return err
	}
	for {
		actx, cancel := context.WithTimeout(ctx, time.Second)
		_, err = js.AccountInfo(actx)
		cancel()
		if err == nil {
			return nil
		}
		select {
		case <-b.closed:
			return ErrClosed
		case <-ctx.Done():
			return fmt.Errorf("%w: jetstream: %w (last error: %v)", ErrNotReady, ctx.Err(), err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}
