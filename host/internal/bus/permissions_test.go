package bus

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
)

// violations collects the permission errors the server reports to the
// plugin connections (logged by the connections' error handler).
type violations struct {
	mu   sync.Mutex
	seen []string
}

func (v *violations) Enabled(context.Context, slog.Level) bool { return true }
func (v *violations) Handle(_ context.Context, r slog.Record) error {
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "err" && strings.Contains(a.Value.String(), "Permissions Violation") {
			v.mu.Lock()
			v.seen = append(v.seen, a.Value.String())
			v.mu.Unlock()
		}
		return true
	})
	return nil
}
func (v *violations) WithAttrs([]slog.Attr) slog.Handler { return v }
func (v *violations) WithGroup(string) slog.Handler      { return v }

// await waits until the server reported a violation containing want.
func (v *violations) await(t *testing.T, want string) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for time.Now().Before(deadline) {
		v.mu.Lock()
		for _, s := range v.seen {
			if strings.Contains(s, want) {
				v.mu.Unlock()
				return
			}
		}
		v.mu.Unlock()
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no permissions violation %q reported; saw %q", want, v.seen)
}

func permBus(t *testing.T, c Config) (*Bus, *violations) {
	v := &violations{}
	c.Logger = slog.New(v)
	return startBus(t, c), v
}

// everything subscribes hostd's own connection to every subject; the
// channel gets each message's subject in the order the server routed them.
func everything(t *testing.T, b *Bus) <-chan string {
	ch := make(chan string, 1024)
	unsub, err := b.Subscribe(">", func(s string, _ []byte) {
		if !strings.HasPrefix(s, "$JS.") && !strings.HasPrefix(s, "_INBOX.") {
			ch <- s
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = unsub() })
	return ch
}

// until returns the subjects received before marker.
func until(t *testing.T, ch <-chan string, marker string) []string {
	t.Helper()
	var got []string
	for {
		select {
		case s := <-ch:
			if s == marker {
				return got
			}
			got = append(got, s)
		case <-time.After(wait):
			t.Fatalf("marker %s never arrived; got %v", marker, got)
		}
	}
}

// TestPluginSendUserIsDeniedReservedSpaces bypasses hostd's own checks
// (the raw plugin send connection, as a bug in them would): the server
// still refuses another plugin's KV, the JetStream API, hostd's events and
// someone else's inbox, and none of it reaches a subscriber or the store.
func TestPluginSendUserIsDeniedReservedSpaces(t *testing.T) {
	b, v := permBus(t, Config{})
	ctx := testCtx(t)
	kv, err := b.KeyValue(ctx, "plugin_other", 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kv.Put(ctx, "key", []byte("theirs")); err != nil {
		t.Fatal(err)
	}
	all := everything(t, b)
	forged := []string{"$KV.plugin_other.key", "$KV.hostd_control.routes.x", "hostd.events.forged",
		"_INBOX.someone-else", PluginInboxPrefix + ".someone.else", "$SYS.REQ.SERVER.PING"}
	for _, s := range forged {
		if err := b.send.Publish(s, []byte("forged")); err != nil {
			t.Fatal(err)
		}
	}
	// A request to the JetStream API gets no answer: the publish is refused.
	rctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	_, err = b.send.RequestWithContext(rctx, "$JS.API.STREAM.CREATE.x", []byte(`{"name":"x","subjects":["hostd.events.>"]}`))
	cancel()
	if err == nil {
		t.Fatal("stream create request answered")
	}
	if err := b.send.Publish("ok.done", nil); err != nil {
		t.Fatal(err)
	}
	if got := until(t, all, "ok.done"); len(got) != 0 {
		t.Fatalf("forged messages were routed: %v", got)
	}
	for _, s := range append(forged, "$JS.API.STREAM.CREATE.x") {
		v.await(t, `Publish to "`+s+`"`)
	}
	if e, err := kv.Get(ctx, "key"); err != nil || string(e.Value) != "theirs" {
		t.Fatalf("other plugin's key: %q %v", e.Value, err)
	}
	js, _ := b.jetStream()
	if _, err := js.Stream(ctx, "x"); err == nil {
		t.Fatal("the plugin user created a stream")
	}
	// Subscriptions other than its own inboxes are refused too.
	if _, err := b.send.Subscribe("orders.>", func(*nats.Msg) {}); err != nil {
		t.Fatal(err)
	}
	v.await(t, `Subscription to "orders.>"`)
}

// TestPluginRecvUserIsDeniedReservedSpaces: the trigger connection cannot
// subscribe to a reserved space, receives nothing of one through a
// wildcard, and publishes nothing but answers.
func TestPluginRecvUserIsDeniedReservedSpaces(t *testing.T) {
	b, v := permBus(t, Config{})
	ctx := testCtx(t)
	for _, s := range []string{"$KV.>", "$JS.API.>", "_INBOX.>", PluginInboxPrefix + ".>", "hostd.events.>"} {
		if _, err := b.recv.Subscribe(s, func(*nats.Msg) {}); err != nil {
			t.Fatal(err)
		}
		v.await(t, `Subscription to "`+s+`"`)
	}
	ch := make(chan string, 64)
	if _, err := b.recv.Subscribe(">", func(m *nats.Msg) { ch <- m.Subject }); err != nil {
		t.Fatal(err)
	}
	if err := b.recv.Flush(); err != nil {
		t.Fatal(err)
	}
	kv, err := b.KeyValue(ctx, "plugin_other", 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kv.Put(ctx, "key", []byte("secret")); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"hostd.events.x", "_INBOX.x", PluginInboxPrefix + ".x", "ok.done"} {
		if err := b.Publish(s, nil); err != nil {
			t.Fatal(err)
		}
	}
	if got := until(t, ch, "ok.done"); len(got) != 0 {
		t.Fatalf("the trigger connection received reserved subjects: %v", got)
	}
	if err := b.recv.Publish("orders.created", nil); err != nil {
		t.Fatal(err)
	}
	v.await(t, `Publish to "orders.created"`)
}

// TestPluginRequestReplyStillWorks: a plugin request (send user, inbox
// under PluginInboxPrefix) is answered by a core trigger (receive user,
// allowed to answer what it received), and so is a request of hostd's own
// connection (a NATS route); the hostd-side check refuses reserved subjects
// with ErrReserved before anything is sent.
func TestPluginRequestReplyStillWorks(t *testing.T) {
	b, _ := permBus(t, Config{})
	ctx := testCtx(t)
	unsub, err := b.Plugins().QueueSubscribeMsg("svc.echo", "q", func(m *Msg) {
		if err := m.Respond(Header{"X-Echo": {"1"}}, m.Data); err != nil {
			t.Errorf("respond: %v", err)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = unsub() }()
	r, err := b.Plugins().RequestMsg(ctx, "svc.echo", nil, []byte("from a plugin"))
	if err != nil || string(r.Data) != "from a plugin" || !strings.HasPrefix(r.Subject, PluginInboxPrefix+".") {
		t.Fatalf("plugin request: %v %+v", err, r)
	}
	r, err = b.RequestMsg(ctx, "svc.echo", nil, []byte("from a route"))
	if err != nil || string(r.Data) != "from a route" {
		t.Fatalf("route request: %v %+v", err, r)
	}
	for _, s := range []string{"$KV.x.y", "_INBOX.x", "hostd.events.x"} {
		if err := b.Plugins().PublishMsg(s, nil, nil); !errors.Is(err, ErrReserved) {
			t.Errorf("publish %s: %v", s, err)
		}
		if _, err := b.Plugins().RequestMsg(ctx, s, nil, nil); !errors.Is(err, ErrReserved) {
			t.Errorf("request %s: %v", s, err)
		}
	}
	for _, p := range []string{">", "*.>", "$KV.>", "_INBOX.>"} {
		if _, err := b.Plugins().QueueSubscribeMsg(p, "", func(*Msg) {}); !errors.Is(err, ErrReserved) {
			t.Errorf("subscribe %s: %v", p, err)
		}
	}
}

// TestBuiltInUsersAreInProcessOnly: hostd's own and the plugin users
// cannot log in over the client port, even with their passwords; the
// operator's token can.
func TestBuiltInUsersAreInProcessOnly(t *testing.T) {
	b := startBus(t, Config{Listen: "127.0.0.1:0", Token: "operator"})
	for user, pw := range map[string]string{internalUser: b.creds.internal, pluginSendUser: b.creds.send, pluginRecvUser: b.creds.recv} {
		nc, err := nats.Connect(b.ClientURL(), nats.UserInfo(user, pw), nats.Timeout(wait))
		if err == nil {
			nc.Close()
			t.Errorf("%s logged in over TCP", user)
		} else if !errors.Is(err, nats.ErrAuthorization) {
			t.Errorf("%s: %v, want authorization violation", user, err)
		}
	}
	nc, err := nats.Connect(b.ClientURL(), nats.Token("operator"), nats.Timeout(wait))
	if err != nil {
		t.Fatal(err)
	}
	nc.Close()
}
