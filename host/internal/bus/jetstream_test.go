package bus

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

func TestSecondStartOnSameStoreDirFails(t *testing.T) {
	dir := t.TempDir()
	first := startBus(t, Config{StoreDir: dir})
	_, err := Start(context.Background(), Config{StoreDir: dir})
	if !errors.Is(err, ErrStoreLocked) {
		t.Fatalf("second Start = %v, want ErrStoreLocked", err)
	}
	if err := first.Ready(); err != nil {
		t.Errorf("first bus after refused second Start: %v", err)
	}
	if err := first.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	startBus(t, Config{StoreDir: dir}) // free again after Shutdown
}

// TestJetStreamSurvivesRestart stores a message with an acknowledged
// publish, shuts the bus down and finds the message after a restart on the
// same store dir.
func TestJetStreamSurvivesRestart(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	dir := t.TempDir()

	b, err := Start(ctx, Config{StoreDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	js, err := jetstream.New(b.nc)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{
		Name: "T", Subjects: []string{"t.>"}, Storage: jetstream.FileStorage,
	}); err != nil {
		t.Fatalf("CreateStream: %v", err)
	}
	ack, err := js.Publish(ctx, "t.one", []byte("kept"))
	if err != nil {
		t.Fatalf("Publish: %v", err)
	}
	if err := b.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}

	b = startBus(t, Config{StoreDir: dir})
	js, err = jetstream.New(b.nc)
	if err != nil {
		t.Fatal(err)
	}
	s, err := js.Stream(ctx, "T")
	if err != nil {
		t.Fatalf("stream after restart: %v", err)
	}
	m, err := s.GetMsg(ctx, ack.Sequence)
	if err != nil {
		t.Fatalf("GetMsg(%d) after restart: %v", ack.Sequence, err)
	}
	if m.Subject != "t.one" || string(m.Data) != "kept" {
		t.Errorf("after restart got %s %q, want t.one \"kept\"", m.Subject, m.Data)
	}
}

func TestSyncInterval(t *testing.T) {
	tests := []struct {
		name       string
		interval   time.Duration
		wantAlways bool
	}{
		{"zero syncs every write", 0, true},
		{"positive syncs periodically", 5 * time.Second, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := startBus(t, Config{SyncInterval: tc.interval})
			jc := b.ns.JetStreamConfig()
			if jc.SyncAlways != tc.wantAlways {
				t.Errorf("SyncAlways = %v, want %v", jc.SyncAlways, tc.wantAlways)
			}
			if tc.interval > 0 && jc.SyncInterval != tc.interval {
				t.Errorf("SyncInterval = %s, want %s", jc.SyncInterval, tc.interval)
			}
			if jc.StoreDir == "" {
				t.Error("JetStream has no store dir")
			}
		})
	}
}

func BenchmarkStartShutdown(b *testing.B) {
	dir := b.TempDir()
	ctx := context.Background()
	for b.Loop() {
		bus, err := Start(ctx, Config{StoreDir: dir})
		if err != nil {
			b.Fatal(err)
		}
		if err := bus.Shutdown(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPublishEvent(b *testing.B) {
	bus, err := Start(context.Background(), Config{StoreDir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	defer bus.Shutdown(context.Background())
	ev := map[string]any{"name": "auth", "version": 3}
	for b.Loop() {
		if err := bus.PublishEvent("plugin.uploaded", ev); err != nil {
			b.Fatal(err)
		}
	}
}
