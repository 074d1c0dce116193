package bus

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestRequestMsgHeadersAndRespond(t *testing.T) {
	b := startBus(t, Config{})
	unsub, err := b.QueueSubscribeMsg("svc.echo", "workers", func(m *Msg) {
		h := Header{"X-Seen": {m.Header["X-In"][0]}}
		if err := m.Respond(h, append([]byte("re:"), m.Data...)); err != nil {
			t.Errorf("respond: %v", err)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	defer unsub()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	r, err := b.RequestMsg(ctx, "svc.echo", Header{"X-In": {"v1"}}, []byte("hi"))
	if err != nil {
		t.Fatal(err)
	}
	if string(r.Data) != "re:hi" || r.Header["X-Seen"][0] != "v1" {
		t.Fatalf("reply %q %v", r.Data, r.Header)
	}
}

func TestRequestMsgNoRespondersAndTimeout(t *testing.T) {
	b := startBus(t, Config{})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := b.RequestMsg(ctx, "svc.none", nil, nil); !errors.Is(err, ErrNoResponders) {
		t.Fatalf("no responders: got %v", err)
	}
	unsub, err := b.QueueSubscribeMsg("svc.slow", "", func(*Msg) {})
	if err != nil {
		t.Fatal(err)
	}
	defer unsub()
	short, cancel2 := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel2()
	if _, err := b.RequestMsg(short, "svc.slow", nil, nil); !errors.Is(err, ErrTimeout) {
		t.Fatalf("timeout: got %v", err)
	}
	m := &Msg{Subject: "x"}
	if err := m.Respond(nil, nil); !errors.Is(err, ErrNoReply) {
		t.Fatalf("respond without reply: %v", err)
	}
}

func TestConsumeNakRedeliversAndAckSettles(t *testing.T) {
	b := startBus(t, Config{})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	got := make(chan *Msg, 16)
	stop, err := b.Consume(ctx, ConsumerSpec{Stream: "ORDERS", Subjects: []string{"orders.>"},
		Durable: "proc", AckWait: 5 * time.Second}, func(m *Msg) {
		if m.Delivered == 1 {
			_ = m.Nak(0)
		} else if err := m.Ack(ctx); err != nil {
			t.Errorf("ack: %v", err)
		}
		got <- m
	})
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	if _, err := b.PublishDurable(ctx, "orders.created", Header{"K": {"v"}}, []byte("o1")); err != nil {
		t.Fatal(err)
	}
	for want := uint64(1); want <= 2; want++ {
		select {
		case m := <-got:
			if m.Delivered != want || string(m.Data) != "o1" || m.Header["K"][0] != "v" || !m.IsJetStream() || m.Stream != "ORDERS" {
				t.Fatalf("delivery %d: %+v", want, m)
			}
		case <-ctx.Done():
			t.Fatalf("delivery %d never came", want)
		}
	}
	select {
	case m := <-got:
		t.Fatalf("acked message redelivered: %+v", m)
	case <-time.After(300 * time.Millisecond):
	}
}
