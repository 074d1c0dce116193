package bus

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
)

// wait is how long a test waits for a message before failing; generous so
// that slow -race runs never flake. It is a deadline, not an assertion on
// speed.
const wait = 10 * time.Second

// startBus starts a Bus on a fresh store dir (unless c.StoreDir is set) and
// shuts it down when the test ends.
func startBus(t *testing.T, c Config) *Bus {
	t.Helper()
	if c.StoreDir == "" {
		c.StoreDir = t.TempDir()
	}
	b, err := Start(context.Background(), c)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		if err := b.Shutdown(context.Background()); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	})
	return b
}

// collect subscribes to subject and returns a channel of received messages.
func collect(t *testing.T, b *Bus, subject string) <-chan [2]string {
	t.Helper()
	ch := make(chan [2]string, 16)
	unsub, err := b.Subscribe(subject, func(s string, d []byte) { ch <- [2]string{s, string(d)} })
	if err != nil {
		t.Fatalf("Subscribe: %v", err)
	}
	t.Cleanup(func() { _ = unsub() })
	return ch
}

func receive(t *testing.T, ch <-chan [2]string) [2]string {
	t.Helper()
	select {
	case m := <-ch:
		return m
	case <-time.After(wait):
		t.Fatal("no message received")
		return [2]string{}
	}
}

func TestStartReadyShutdown(t *testing.T) {
	b, err := Start(context.Background(), Config{StoreDir: t.TempDir()})
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	if err := b.Ready(); err != nil {
		t.Fatalf("Ready: %v", err)
	}
	if got := b.ClientURL(); got != "" {
		t.Errorf("ClientURL = %q, want empty without Listen", got)
	}
	if err := b.Shutdown(context.Background()); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if err := b.Ready(); !errors.Is(err, ErrClosed) {
		t.Errorf("Ready after Shutdown = %v, want ErrClosed", err)
	}
	if err := b.Publish("a", nil); !errors.Is(err, ErrClosed) {
		t.Errorf("Publish after Shutdown = %v, want ErrClosed", err)
	}
	if err := b.Shutdown(context.Background()); err != nil {
		t.Errorf("second Shutdown: %v", err)
	}
}

func TestPublishSubscribe(t *testing.T) {
	b := startBus(t, Config{})
	ch := collect(t, b, "a.*")
	if err := b.Publish("a.b", []byte("hello")); err != nil {
		t.Fatalf("Publish: %v", err)
	}
	if got, want := receive(t, ch), [2]string{"a.b", "hello"}; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestQueueSubscribeAndUnsubscribe(t *testing.T) {
	b := startBus(t, Config{})
	ch := make(chan string, 16)
	var unsubs []func() error
	for _, name := range []string{"w1", "w2"} {
		u, err := b.QueueSubscribe("work", "q", func(string, []byte) { ch <- name })
		if err != nil {
			t.Fatalf("QueueSubscribe: %v", err)
		}
		unsubs = append(unsubs, u)
	}
	probe := collect(t, b, "probe")
	for i := 0; i < 10; i++ {
		if err := b.Publish("work", nil); err != nil {
			t.Fatal(err)
		}
	}
	// A message on another subject after the work proves, by per-connection
	// ordering, that all work messages were dispatched.
	if err := b.Publish("probe", nil); err != nil {
		t.Fatal(err)
	}
	receive(t, probe)
	for i := 0; i < 10; i++ {
		select {
		case <-ch:
		case <-time.After(wait):
			t.Fatalf("got %d of 10 queue messages", i)
		}
	}
	for _, u := range unsubs {
		if err := u(); err != nil {
			t.Fatalf("unsubscribe: %v", err)
		}
	}
	if err := b.Publish("work", nil); err != nil {
		t.Fatal(err)
	}
	if err := b.Publish("probe", nil); err != nil {
		t.Fatal(err)
	}
	receive(t, probe)
	select {
	case w := <-ch:
		t.Errorf("%s received a message after unsubscribing", w)
	default:
	}
}

func TestPublishEvent(t *testing.T) {
	b := startBus(t, Config{})
	ch := collect(t, b, "hostd.events.>")
	ev := struct {
		Name    string `json:"name"`
		Version int    `json:"version"`
	}{"auth", 3}
	if err := b.PublishEvent("plugin.uploaded", ev); err != nil {
		t.Fatalf("PublishEvent: %v", err)
	}
	want := [2]string{"hostd.events.plugin.uploaded", `{"name":"auth","version":3}`}
	if got := receive(t, ch); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestSubjectChecks(t *testing.T) {
	b := startBus(t, Config{})
	tests := []struct {
		name        string
		call        func() error
		expectedErr string
	}{
		{"empty kind", func() error { return b.PublishEvent("", 1) },
			`bus: event kind "": bus: invalid subject`},
		{"wildcard kind", func() error { return b.PublishEvent("plugin.*", 1) },
			`bus: event kind "plugin.*": bus: invalid subject`},
		{"unencodable", func() error { return b.PublishEvent("x", make(chan int)) },
			`bus: event x: json: unsupported type: chan int`},
		{"publish wildcard", func() error { return b.Publish("a.>", nil) },
			`bus: invalid subject: "a.>" (wildcards are for subscriptions)`},
		{"publish empty token", func() error { return b.Publish("a..b", nil) },
			`bus: invalid subject: "a..b"`},
		{"publish space", func() error { return b.Publish("a b", nil) },
			`bus: invalid subject: "a b"`},
		{"subscribe > not last", func() error { _, err := b.Subscribe(">.a", func(string, []byte) {}); return err },
			`bus: invalid subject: ">.a"`},
		{"subscribe partial wildcard", func() error { _, err := b.Subscribe("a*", func(string, []byte) {}); return err },
			`bus: invalid subject: "a*"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			if err == nil || err.Error() != tc.expectedErr {
				t.Errorf("err = %v, want %s", err, tc.expectedErr)
			}
		})
	}
}

func TestRequest(t *testing.T) {
	b := startBus(t, Config{})
	sub, err := b.nc.Subscribe("echo", func(m *nats.Msg) { _ = m.Respond(append([]byte("re:"), m.Data...)) })
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Unsubscribe()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	got, err := b.Request(ctx, "echo", []byte("x"))
	if err != nil || string(got) != "re:x" {
		t.Fatalf("Request = %q, %v; want re:x", got, err)
	}
	if _, err := b.Request(ctx, "nobody.home", nil); !errors.Is(err, ErrNoResponders) {
		t.Errorf("Request without responders = %v, want no responders", err)
	}
}

func TestHandlerPanicIsRecovered(t *testing.T) {
	b := startBus(t, Config{})
	if _, err := b.Subscribe("boom", func(string, []byte) { panic("boom") }); err != nil {
		t.Fatal(err)
	}
	ch := collect(t, b, "boom")
	if err := b.Publish("boom", nil); err != nil {
		t.Fatal(err)
	}
	receive(t, ch) // the process survived the other handler's panic
	if err := b.Ready(); err != nil {
		t.Errorf("Ready after handler panic: %v", err)
	}
}

// syncBuffer is a bytes.Buffer safe for the server's logging goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestServerLogsGoThroughSlog(t *testing.T) {
	var buf syncBuffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo}))
	startBus(t, Config{Logger: log})
	out := buf.String()
	if !strings.Contains(out, `msg="Starting nats-server" component=nats`) {
		t.Errorf("log lacks the server's start line:\n%s", out)
	}
	if strings.Contains(out, "level=DEBUG") {
		t.Errorf("debug lines logged at Info level:\n%s", out)
	}
}

func TestListenPortInUse(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	dir := t.TempDir()
	_, err = Start(context.Background(), Config{StoreDir: dir, Listen: l.Addr().String(), Token: "t"})
	if err == nil || !strings.HasPrefix(err.Error(), "bus: server failed to start: Error listening on port") {
		t.Fatalf("Start on a taken port = %v", err)
	}
	// Everything was cleaned up: the store dir is free again.
	startBus(t, Config{StoreDir: dir})
}

func TestStartHonoursContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	dir := t.TempDir()
	_, err := Start(ctx, Config{StoreDir: dir})
	if want := "bus: start: context canceled"; err == nil || err.Error() != want {
		t.Fatalf("Start with cancelled ctx = %v, want %s", err, want)
	}
	startBus(t, Config{StoreDir: dir}) // nothing was left locked
}
