package engine

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hostd/hostd/abi"
	"github.com/hostd/hostd/host/internal/bus"
	"github.com/hostd/hostd/internal/testwasm"
)

// TestWideGrantsNeverReachReservedSpaces: even with grants the admin API
// refuses (">", "$JS.API.>", "_INBOX.>" reach the engine unchecked here),
// msg_publish and msg_request to another plugin's KV, the JetStream API,
// hostd's events or someone else's inbox are denied before anything is sent;
// the messenger here is hostd's own, all-powerful connection, so nothing
// else would stop them. The KV key stays as it was.
func TestWideGrantsNeverReachReservedSpaces(t *testing.T) {
	b := testBus(t)
	ctx := context.Background()
	kv, err := b.KeyValue(ctx, "plugin_other", 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kv.Put(ctx, "key", []byte("theirs")); err != nil {
		t.Fatal(err)
	}
	e := newEngine(t, Config{Messenger: busMessenger{b}})
	grants := Grants{Publish: []string{">", "$JS.API.>", "_INBOX.>", "*.>"}, Request: []string{">", "$JS.API.>", "*.API.>"}}
	send := func(op byte, subj string) abi.Status {
		t.Helper()
		p := newPool(t, e, testwasm.Get("sendto"), Binding{Plugin: "evil", Config: append([]byte{op}, subj...), Grants: grants})
		ex := newExchange(1 << 20)
		defer ex.Release()
		onRequest(t, p, ex)
		st := u32s(ex.Body.Bytes())
		if len(st) != 1 {
			t.Fatalf("guest answered %q", ex.Body.Bytes())
		}
		return abi.Status(st[0])
	}
	for _, subj := range []string{"$KV.plugin_other.key", "$KV.hostd_control.routes.x", "$JS.API.STREAM.CREATE.x",
		"hostd.events.forged", "_INBOX.someone-else", "_INBOX_PLUGIN.x.y", "$SYS.REQ.SERVER.PING", "$G"} {
		for _, op := range []byte{'p', 'r'} {
			if st := send(op, subj); st != abi.StatusDenied {
				t.Errorf("%c %s: status %v, want denied", op, subj, st)
			}
		}
	}
	if got, err := kv.Get(ctx, "key"); err != nil || string(got.Value) != "theirs" {
		t.Fatalf("other plugin's key is %q (%v)", got.Value, err)
	}
	js := streamNames(t, b)
	if strings.Contains(js, `"x"`) {
		t.Fatalf("a stream was created: %s", js)
	}
	// The wide grant still works for an ordinary subject.
	if st := send('p', "orders.created"); st != abi.StatusOK {
		t.Fatalf("ordinary publish: %v", st)
	}
}

// TestRespondOnlyToItsOwnReply: msg_respond answers on the message's reply
// subject when it is an inbox or an ordinary subject, never when a
// publisher named a reserved subject ($KV..., hostd...) as the reply.
func TestRespondOnlyToItsOwnReply(t *testing.T) {
	b := testBus(t)
	e := newEngine(t, Config{Messenger: busMessenger{b}})
	p := newPool(t, e, testwasm.Get("sendto"), Binding{Plugin: "svc"})
	for reply, want := range map[string]abi.Status{
		"_INBOX.abc.1": abi.StatusOK, "_INBOX_PLUGIN.abc.1": abi.StatusOK, "svc.replies": abi.StatusOK,
		"$KV.hostd_control.routes.x": abi.StatusDenied, "$JS.API.STREAM.DELETE.x": abi.StatusDenied,
		"hostd.events.forged": abi.StatusDenied,
	} {
		inst, err := p.Get(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		st, err := inst.OnMessage(context.Background(), &Message{Subject: "svc.in", Reply: reply}, time.Second)
		inst.Release()
		if err != nil || st != want {
			t.Errorf("reply %s: %v %v, want %v", reply, st, err, want)
		}
	}
}

// streamNames asks the JetStream API (as hostd) for the stream names.
func streamNames(t *testing.T, b *bus.Bus) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	data, err := b.Request(ctx, "$JS.API.STREAM.NAMES", nil)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}
