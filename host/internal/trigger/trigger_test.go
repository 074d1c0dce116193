package trigger

import (
	"golang.org/x/time/rate"
	"strings"
	"testing"
	"time"

	"github.com/hostd/hostd/host/internal/model"
)

func TestResolveDefaults(t *testing.T) {
	s, err := Resolve(model.Trigger{ID: "t", Subject: "a.b", Plugin: "p"})
	if err != nil {
		t.Fatal(err)
	}
	if s.Queue != "hostd-trigger-t" || s.Concurrency != DefaultConcurrency || s.Timeout != DefaultTimeout || s.Stream != "" {
		t.Fatalf("core defaults %+v", s)
	}
	s, err = Resolve(model.Trigger{ID: "t", Subject: "a.b", Plugin: "p", JetStream: &model.TriggerJetStream{Stream: "S"}})
	if err != nil {
		t.Fatal(err)
	}
	if s.Durable != "hostd-t" || s.MaxDeliver != DefaultMaxDeliver || s.AckWait != DefaultAckWait || s.DeadLetter != "hostd.deadletter.t" {
		t.Fatalf("jetstream defaults %+v", s)
	}
}

func TestResolveRejects(t *testing.T) {
	js := func(j model.TriggerJetStream) *model.TriggerJetStream { return &j }
	for _, tc := range []struct {
		t    model.Trigger
		want string
	}{
		{model.Trigger{Concurrency: -1}, "concurrency"},
		{model.Trigger{Concurrency: MaxConcurrency + 1}, "concurrency"},
		{model.Trigger{Timeout: "soon"}, "timeout"},
		{model.Trigger{Timeout: "2h"}, "timeout"},
		{model.Trigger{JetStream: js(model.TriggerJetStream{})}, "stream"},
		{model.Trigger{JetStream: js(model.TriggerJetStream{Stream: "S", MaxDeliver: 1001})}, "max_deliver"},
		{model.Trigger{JetStream: js(model.TriggerJetStream{Stream: "S", AckWait: "-1s"})}, "ack_wait"},
		{model.Trigger{Timeout: "40s", JetStream: js(model.TriggerJetStream{Stream: "S"})}, "longer than"},
	} {
		tc.t.ID, tc.t.Subject, tc.t.Plugin = "t", "a.b", "p"
		if _, err := Resolve(tc.t); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want an error about %s", tc.t, err, tc.want)
		}
	}
}

func TestBackoff(t *testing.T) {
	r := &runner{logl: rate.NewLimiter(10, 20)}
	want := []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second, 32 * time.Second, time.Minute, time.Minute, time.Minute}
	for i, w := range want {
		if got := r.backoff(uint64(i + 1)); got != w {
			t.Errorf("backoff(%d) = %s, want %s", i+1, got, w)
		}
	}
}
