package trigger

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/hostd/hostd/abi"
	"github.com/hostd/hostd/host/internal/bus"
	"github.com/hostd/hostd/host/internal/engine"
	"github.com/hostd/hostd/host/internal/model"
	"golang.org/x/time/rate"
)

// runner delivers one trigger's messages to its plugin.
type runner struct {
	m    *Manager
	t    model.Trigger
	s    Settings
	key  string
	pool *engine.Pool
	sem  chan struct{}
	log  *slog.Logger
	logl *rate.Limiter // failure warnings: a failing plugin must not flood the log

	wg     sync.WaitGroup
	unsub  func()
	ctx    context.Context
	cancel context.CancelFunc
}

func (r *runner) start(ctx context.Context) error {
	r.ctx, r.cancel = context.WithCancel(context.Background())
	b := r.m.cfg.Bus
	if r.t.JetStream == nil {
		// Core triggers listen as the restricted plugin user: the server
		// keeps reserved subjects from them and lets them answer only
		// what they received.
		unsub, err := b.Plugins().QueueSubscribeMsg(r.t.Subject, r.s.Queue, r.dispatch)
		if err != nil {
			return err
		}
		r.unsub = func() { _ = unsub() }
		return nil
	}
	if err := b.EnsureStream(ctx, DeadLetterStream, []string{DeadLetterPrefix + ">"}, r.m.cfg.Replicas); err != nil {
		return err
	}
	stop, err := b.Consume(ctx, bus.ConsumerSpec{
		Stream: r.s.Stream, Subjects: []string{r.t.Subject}, Durable: r.s.Durable,
		FilterSubject: r.t.Subject, AckWait: r.s.AckWait, Prefetch: 2 * r.s.Concurrency,
		Replicas: r.m.cfg.Replicas,
	}, r.dispatch)
	if err != nil {
		return err
	}
	r.unsub = stop
	return nil
}

// dispatch runs on the subscription's goroutine: it waits for a free slot
// (holding back further deliveries while the trigger is at its concurrency)
// and hands the message to a goroutine of its own.
func (r *runner) dispatch(m *bus.Msg) {
	select {
	case r.sem <- struct{}{}:
	case <-r.ctx.Done():
		_ = m.Nak(0)
		return
	}
	r.wg.Add(1)
	go func() {
		defer func() { <-r.sem; r.wg.Done() }()
		r.handle(m)
	}()
}

func (r *runner) stop() {
	r.unsub()
	r.cancel()
	r.wg.Wait()
	r.pool.Close()
}

func (r *runner) handle(m *bus.Msg) {
	if m.IsJetStream() && m.Delivered > uint64(r.s.MaxDeliver) {
		r.deadLetter(m, "delivered more than max_deliver times")
		return
	}
	em := &engine.Message{Subject: m.Subject, Reply: m.Reply, Header: http.Header(m.Header), Data: m.Data,
		Delivered: m.Delivered}
	if m.Reply != "" && !m.IsJetStream() {
		em.Respond = func(hdr http.Header, data []byte) abi.Status { return respondStatus(m.Respond(bus.Header(hdr), data)) }
	}
	if m.IsJetStream() {
		em.Settle = func(d abi.Disposition, delay time.Duration) abi.Status { return r.settle(m, d, delay) }
	}
	st, err := r.call(em)
	if em.Settled() {
		return
	}
	if err == nil && st == abi.StatusOK {
		r.settleAuto(m, abi.DispositionAck)
		return
	}
	if err != nil && r.logl.Allow() {
		r.log.Warn("on_message failed", "subject", m.Subject, "delivered", m.Delivered, "error", err)
	} else if err == nil {
		r.log.Debug("on_message returned", "status", st.String(), "subject", m.Subject, "delivered", m.Delivered)
	}
	if !m.IsJetStream() {
		r.m.cfg.Observe(r.t.ID, OutcomeFailed)
		return
	}
	var q *engine.QuarantinedError
	if errors.As(err, &q) { // redeliver once the quarantine is over
		if st := r.settle(m, abi.DispositionNak, q.RetryAfter); st != abi.StatusOK && r.logl.Allow() {
			r.log.Warn("settle failed; the server redelivers after ack_wait", "disposition", "nak", "status", st.String())
		}
		return
	}
	r.settleAuto(m, abi.DispositionNak)
}

// call runs on_message on a pooled instance.
func (r *runner) call(em *engine.Message) (abi.Status, error) {
	inst, err := r.pool.Get(r.ctx)
	if err != nil {
		return abi.StatusUnavailable, err
	}
	defer inst.Release()
	return inst.OnMessage(r.ctx, em, r.s.Timeout)
}

// settleAuto settles a message the plugin left unsettled.
func (r *runner) settleAuto(m *bus.Msg, d abi.Disposition) {
	if st := r.settle(m, d, r.backoff(m.Delivered)); st != abi.StatusOK {
		r.log.Warn("settle failed; the server redelivers after ack_wait", "disposition", d.String(), "status", st.String())
	}
}

// backoff is the redelivery delay after a failure: 0.5s, 1s, 2s... up to 1m.
func (r *runner) backoff(delivered uint64) time.Duration {
	if delivered < 1 {
		delivered = 1
	}
	if delivered > 8 {
		return time.Minute
	}
	return min(time.Minute, (time.Second<<(delivered-1))/2)
}

// settle applies a disposition to a JetStream message; a nak on the last
// allowed delivery dead-letters it instead.
func (r *runner) settle(m *bus.Msg, d abi.Disposition, delay time.Duration) abi.Status {
	var err error
	outcome := ""
	switch d {
	case abi.DispositionAck:
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err = m.Ack(ctx)
		cancel()
		outcome = OutcomeAck
	case abi.DispositionNak:
		if m.Delivered >= uint64(r.s.MaxDeliver) {
			return r.deadLetter(m, "failed on the last allowed delivery")
		}
		err, outcome = m.Nak(delay), OutcomeNak
	case abi.DispositionTerm:
		err, outcome = m.Term(), OutcomeTerm
	case abi.DispositionInProgress:
		err = m.InProgress()
	}
	if err != nil {
		r.log.Warn("settle", "disposition", d.String(), "error", err)
		return abi.StatusUnavailable
	}
	if outcome != "" {
		r.m.cfg.Observe(r.t.ID, outcome)
	}
	return abi.StatusOK
}

// deadLetter publishes m on the dead-letter subject, durably, then
// terminates it. If the publish fails the message is nakked, so it is never
// lost.
func (r *runner) deadLetter(m *bus.Msg, why string) abi.Status {
	hdr := bus.Header{}
	for k, v := range m.Header {
		hdr[k] = append([]string(nil), v...)
	}
	hdr["Hostd-Trigger"] = []string{r.t.ID}
	hdr["Hostd-Subject"] = []string{m.Subject}
	hdr["Hostd-Stream"] = []string{m.Stream}
	hdr["Hostd-Sequence"] = []string{strconv.FormatUint(m.Sequence, 10)}
	hdr["Hostd-Deliveries"] = []string{strconv.FormatUint(m.Delivered, 10)}
	hdr["Hostd-Reason"] = []string{why}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := r.m.cfg.Bus.PublishDurable(ctx, r.s.DeadLetter, hdr, m.Data)
	if err != nil && errors.Is(err, bus.ErrNoResponders) {
		// No stream captures a custom dead-letter subject: publish it as a
		// plain message for whoever listens.
		err = r.m.cfg.Bus.PublishMsg(r.s.DeadLetter, hdr, m.Data)
	}
	if err != nil {
		r.log.Error("dead letter failed; message will be redelivered", "error", err)
		_ = m.Nak(time.Second)
		return abi.StatusUnavailable
	}
	if err := m.Term(); err != nil {
		r.log.Warn("term after dead letter", "error", err)
	}
	r.log.Warn("message dead-lettered", "subject", m.Subject, "deliveries", m.Delivered, "dead_letter", r.s.DeadLetter, "reason", why)
	r.m.cfg.Observe(r.t.ID, OutcomeDeadLetter)
	return abi.StatusOK
}

// respondStatus maps Msg.Respond's error to the status msg_respond returns.
func respondStatus(err error) abi.Status {
	switch {
	case err == nil:
		return abi.StatusOK
	case errors.Is(err, bus.ErrTooLarge):
		return abi.StatusTooLarge
	case errors.Is(err, bus.ErrNoReply):
		return abi.StatusNotFound
	}
	return abi.StatusUnavailable
}
