package engine

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hostd/hostd/abi"
	"github.com/hostd/hostd/host/internal/bus"
	"github.com/hostd/hostd/host/internal/policy"
	"github.com/hostd/hostd/internal/testwasm"
)

// Each test here runs one hostile fixture (internal/testwasm/testdata/*bomb)
// against one bound on what host functions let a plugin make the host hold
// or send.

// onRequest runs one on_request of p on ex and fails the test on error.
func onRequest(t *testing.T, p *Pool, ex *Exchange) {
	t.Helper()
	inst, err := p.Get(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer inst.Release()
	if _, err := inst.OnRequest(context.Background(), ex); err != nil {
		t.Fatal(err)
	}
}

func newExchange(maxBody int64) *Exchange {
	return NewExchange(httptest.NewRequest("GET", "/x?a=1", nil), nil, "id", maxBody)
}

// headerBytes is what one header map holds: names plus values.
func headerBytes(h http.Header) (values, size int) {
	for k, vs := range h {
		for _, v := range vs {
			values++
			size += len(k) + len(v)
		}
	}
	return values, size
}

func TestHeaderBudgetBoundsWhatPluginsAdd(t *testing.T) {
	const add, set = 0, 1
	cases := []struct {
		name      string
		cfg       Config
		n, op     uint32
		ok        uint32 // ok calls per map before too_large
		wantVals  int    // X-Bomb values left in each map
		wantBytes int
	}{
		// The attack that was found: 16 MiB values, added again and again.
		{"16 MiB value", Config{}, 16 << 20, add, 0, 0, 0},
		{"count bound", Config{}, 10, add, 100, 100, 100 * 16},
		{"byte bound", Config{}, 1000, add, 65, 65, 65 * 1006},
		{"just fits", Config{}, 64<<10 - 6, add, 1, 1, 64 << 10},
		{"one byte over", Config{}, 64<<10 - 5, add, 0, 0, 0},
		// set_header replaces, but every call is charged: a plugin cannot
		// make the host canonicalise and store values forever.
		{"set is charged", Config{}, 10, set, 100, 1, 16},
		{"configured", Config{MaxPluginHeaders: 3, MaxPluginHeaderBytes: 40}, 10, add, 2, 2, 32},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEngine(t, tc.cfg)
			p := newPool(t, e, testwasm.Get("headerbomb"), Binding{Plugin: "hb", Config: config(tc.n, tc.op)})
			ex := newExchange(1 << 20)
			defer ex.Release()
			onRequest(t, p, ex)
			got := u32s(ex.Body.Bytes())
			want := []uint32{tc.ok, uint32(abi.StatusTooLarge), tc.ok, uint32(abi.StatusTooLarge)}
			if len(got) != 4 || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] || got[3] != want[3] {
				t.Fatalf("guest saw (ok, status) per map %v, want %v", got, want)
			}
			for name, h := range map[string]http.Header{"request": ex.Request.Header, "response": ex.Header} {
				vals, size := headerBytes(http.Header{"X-Bomb": h["X-Bomb"]})
				if vals != tc.wantVals || size != tc.wantBytes {
					t.Errorf("%s map holds %d X-Bomb values, %d bytes; want %d, %d", name, vals, size, tc.wantVals, tc.wantBytes)
				}
			}
		})
	}
}

func TestHeaderBudgetIsPerExchangeAcrossTheChain(t *testing.T) {
	e := newEngine(t, Config{})
	p := newPool(t, e, testwasm.Get("headerbomb"), Binding{Plugin: "hb", Config: config(10, 0)})
	ex := newExchange(1 << 20)
	onRequest(t, p, ex) // the first filter of a chain spends the budget
	onRequest(t, p, ex) // the next one finds it spent
	if got := u32s(ex.Body.Bytes()); got[0] != 0 || got[2] != 0 {
		t.Fatalf("second plugin added %d request and %d response values, want 0", got[0], got[2])
	}
	if n := len(ex.Header["X-Bomb"]); n != 100 {
		t.Fatalf("response holds %d values, want 100", n)
	}
	ex.Release()
	ex = newExchange(1 << 20) // from the pool: the budget must be fresh
	defer ex.Release()
	onRequest(t, p, ex)
	if got := u32s(ex.Body.Bytes()); got[0] != 100 || got[2] != 100 {
		t.Fatalf("after Release the budget was not reset: %v", got)
	}
}

func TestURLBound(t *testing.T) {
	cases := []struct {
		name string
		cfg  Config
		n    uint32
		want abi.Status
	}{
		{"at the default", Config{}, 64 << 10, abi.StatusOK},
		{"over the default", Config{}, 64<<10 + 1, abi.StatusTooLarge},
		{"16 MiB", Config{}, 16 << 20, abi.StatusTooLarge},
		{"configured", Config{MaxPluginURLBytes: 100}, 101, abi.StatusTooLarge},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEngine(t, tc.cfg)
			p := newPool(t, e, testwasm.Get("urlbomb"), Binding{Plugin: "url", Config: config(tc.n)})
			ex := newExchange(1 << 20)
			defer ex.Release()
			onRequest(t, p, ex)
			got := u32s(ex.Body.Bytes())
			if len(got) != 2 || got[0] != uint32(tc.want) || got[1] != uint32(tc.want) {
				t.Fatalf("set_path, set_query returned %v, want %d", got, tc.want)
			}
			path, query := ex.Request.URL.EscapedPath(), ex.Request.URL.RawQuery
			if tc.want == abi.StatusOK {
				if len(path) != int(tc.n) || len(query) != int(tc.n) {
					t.Fatalf("path %d bytes, query %d bytes, want %d", len(path), len(query), tc.n)
				}
				return
			}
			if path != "/x" || query != "a=1" || ex.Request.RequestURI != "/x?a=1" {
				t.Fatalf("a refused call changed the request: %q %q %q", path, query, ex.Request.RequestURI)
			}
		})
	}
}

func TestSetQueryRefusesControlCharacters(t *testing.T) {
	for _, q := range []string{"a\tb", "a\x01", "a\x7f", "a b", "a#b", "a\r\nb"} {
		if validQuery([]byte(q)) {
			t.Errorf("%q accepted", q)
		}
	}
	if !validQuery([]byte("q=a%20b&n=2&x=\xc3\xa9")) {
		t.Error("a valid query refused")
	}
}

func TestBodyBoundsEveryWrite(t *testing.T) {
	const maxBody, chunk = 10000, 999 // chunks do not divide the limit
	e := newEngine(t, Config{})
	p := newPool(t, e, testwasm.Get("bodybomb"), Binding{Plugin: "body", Config: config(chunk, maxBody)})
	ex := newExchange(maxBody)
	defer ex.Release()
	onRequest(t, p, ex) // the guest traps unless every over-limit write is too_large
	full := maxBody / chunk * chunk
	if ex.Body.Len() != full || len(ex.reqBody) != full || ex.Sent() {
		t.Fatalf("response body %d, request body %d, sent %v; want %d, %d, false", ex.Body.Len(), len(ex.reqBody), ex.Sent(), full, full)
	}
	// on_response, on a buffered target response.
	ex.Body.Reset()
	ex.Body.WriteString("upstream")
	inst, err := p.Get(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer inst.Release()
	if err := inst.OnResponse(context.Background(), ex); err != nil {
		t.Fatal(err)
	}
	if want := len("upstream") + (maxBody-len("upstream"))/chunk*chunk; ex.Body.Len() != want {
		t.Fatalf("on_response left a %d-byte body, want %d", ex.Body.Len(), want)
	}
}

func TestPublishBudgetPerCallback(t *testing.T) {
	b := testBus(t)
	got := make(chan string, 1024)
	unsub, err := b.QueueSubscribeMsg("bomb.>", "", func(m *bus.Msg) { got <- m.Subject })
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = unsub() }()
	// received counts messages on bomb.> up to an end marker that the test
	// publishes after the guest: NATS keeps one connection's order.
	received := func(t *testing.T) int {
		t.Helper()
		if err := b.PublishMsg("bomb.end", nil, nil); err != nil {
			t.Fatal(err)
		}
		n := 0
		timeout := time.After(10 * time.Second)
		for {
			select {
			case s := <-got:
				if s == "bomb.end" {
					return n
				}
				n++
			case <-timeout:
				t.Fatal("end marker not received")
			}
		}
	}
	cases := []struct {
		name  string
		cfg   Config
		n, op uint32
		want  int
	}{
		{"publish, count bound", Config{}, 10, 0, 100},
		{"publish, byte bound", Config{}, 512 << 10, 0, 8},
		{"request, count bound", Config{}, 10, 1, 100},
		{"publish, configured", Config{MaxPublishPerCall: 1000, MaxPublishBytesPerCall: 1000}, 10, 0, 100},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.cfg.Messenger = busMessenger{b}
			e := newEngine(t, tc.cfg)
			p := newPool(t, e, testwasm.Get("publishbomb"), Binding{Plugin: "pub",
				Config: config(tc.n, tc.op), Grants: Grants{Publish: []string{"bomb.>"}, Request: []string{"void.>"}}})
			for call := range 2 { // the budget is per callback
				ex := newExchange(1 << 20)
				onRequest(t, p, ex)
				if sent := u32s(ex.Body.Bytes()); len(sent) != 1 || int(sent[0]) != tc.want {
					t.Fatalf("call %d: guest sent %v before too_large, want %d", call, sent, tc.want)
				}
				ex.Release()
				if tc.op == 0 {
					if n := received(t); n != tc.want {
						t.Fatalf("call %d: %d messages arrived, want %d", call, n, tc.want)
					}
				}
			}
		})
	}
	t.Run("respond", func(t *testing.T) {
		e := newEngine(t, Config{Messenger: busMessenger{b}})
		p := newPool(t, e, testwasm.Get("publishbomb"), Binding{Plugin: "pub", Config: config(10, 0)})
		inst, err := p.Get(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		defer inst.Release()
		st, err := inst.OnMessage(context.Background(), &Message{Subject: "in", Reply: "bomb.reply"}, time.Second)
		if err != nil || st != abi.StatusOK {
			t.Fatalf("on_message: %v %v", st, err)
		}
		if n := received(t); n != 100 {
			t.Fatalf("%d replies arrived, want 100", n)
		}
	})
}

func TestPolicyTablesStayAtTheirBound(t *testing.T) {
	lims := policy.NewLimiters(time.Now(), 1000)
	brs := policy.NewBreakers(time.Now(), 100)
	e := newEngine(t, Config{RateLimits: testLimiters{lims}, Breakers: testBreakers{brs}})
	run := func(n, op uint32) []uint32 {
		p := newPool(t, e, testwasm.Get("policybomb"), Binding{Plugin: "pol", Config: config(n, op)})
		ex := newExchange(1 << 20)
		defer ex.Release()
		onRequest(t, p, ex)
		return u32s(ex.Body.Bytes())
	}
	// 5000 new bucket names: each gets a fresh bucket (the oldest are
	// evicted), and the table stays at its bound.
	if got := run(5000, 0); got[0] != 5000 || got[1] != 0 || got[2] != 0 {
		t.Fatalf("ratelimit_take: ok, denied, other = %v, want 5000, 0, 0", got)
	}
	if lims.Len() != 1000 {
		t.Fatalf("%d buckets exist, want 1000", lims.Len())
	}
	// Breakers fail open when the table is full, as documented.
	if got := run(500, 1); got[0] != 500 || got[1] != 0 || got[2] != 0 {
		t.Fatalf("breaker_allow: ok, unavailable, other = %v, want 500, 0, 0", got)
	}
	if brs.Len() != 100 {
		t.Fatalf("%d breakers exist, want 100", brs.Len())
	}
}

// TestOneBindingCannotDenyAnothersClients: two bindings of one plugin (the
// way every route shares the built-in rate-limit), one flooding with new
// bucket names past the whole table. The flooder stays at its quota by
// evicting its own buckets; the other binding's drained bucket stays
// drained (not evicted) and its new clients get buckets.
func TestOneBindingCannotDenyAnothersClients(t *testing.T) {
	lims := policy.NewLimiters(time.Now(), 1000)
	lims.SetOwnerQuota(500)
	e := newEngine(t, Config{RateLimits: testLimiters{lims}})
	// Each run is a fresh pool (fresh guest counters) of the binding
	// whose config is n: bindings 3 and 200 are the victim's routes'.
	var last *Pool
	run := func(n uint32) []uint32 {
		last = newPool(t, e, testwasm.Get("policybomb"), Binding{Plugin: "rate-limit", Config: config(n, 0)})
		ex := newExchange(1 << 20)
		defer ex.Release()
		onRequest(t, last, ex)
		return u32s(ex.Body.Bytes())
	}
	for range 5 { // burst 5: the victim's three buckets are drained
		run(3)
	}
	if got := run(3); got[0] != 0 || got[1] != 3 {
		t.Fatalf("victim before: ok, denied = %v, want 0, 3", got)
	}
	// Names are the plugin's: the flood's first three are the victim's
	// drained buckets (same plugin, same names: shared, as documented).
	if got := run(2000); got[0] != 1997 || got[1] != 3 {
		t.Fatalf("flood: ok, denied = %v, want 1997, 3", got)
	}
	if got := lims.Owned(last.owner.Binding); got != 500 {
		t.Fatalf("the flooding binding holds %d buckets, want its quota 500", got)
	}
	// The victim's buckets were not evicted: still drained, not reset.
	if got := run(3); got[0] != 0 || got[1] != 3 {
		t.Fatalf("victim after: ok, denied = %v, want 0, 3 (its buckets were evicted)", got)
	}
	// A binding with new clients still gets buckets (names 0..2 are the
	// victim's, still drained).
	if got := run(200); got[0] != 197 || got[1] != 3 {
		t.Fatalf("new clients: ok, denied = %v, want 197, 3", got)
	}
}

// TestPluginsHaveTheirOwnBucketNames: a plugin naming another plugin's
// bucket gets its own, so it cannot drain it.
func TestPluginsHaveTheirOwnBucketNames(t *testing.T) {
	lims := policy.NewLimiters(time.Now(), 1000)
	e := newEngine(t, Config{RateLimits: testLimiters{lims}})
	run := func(plugin string) []uint32 {
		p := newPool(t, e, testwasm.Get("policybomb"), Binding{Plugin: plugin, Config: config(1, 0)})
		ex := newExchange(1 << 20)
		defer ex.Release()
		onRequest(t, p, ex)
		return u32s(ex.Body.Bytes())
	}
	for range 5 {
		run("rate-limit")
	}
	if got := run("rate-limit"); got[0] != 0 {
		t.Fatalf("rate-limit's bucket is not drained: %v", got)
	}
	if got := run("other"); got[0] != 1 {
		t.Fatalf("another plugin used rate-limit's bucket: %v", got)
	}
}

func TestKVListIsClampedPerCall(t *testing.T) {
	kv := testKV(t)
	for i := range abi.MaxKVListKeys + 500 {
		key := []byte{'k', byte(i >> 16), byte(i >> 8), byte(i)}
		if _, err := kv.KVPut("kvl", key, nil, 0, nil); err != nil {
			t.Fatal(err)
		}
	}
	e := newEngine(t, Config{KV: kv})
	p := newPool(t, e, testwasm.Get("kvlistbomb"), Binding{Plugin: "kvl"})
	ex := newExchange(1 << 20)
	defer ex.Release()
	onRequest(t, p, ex)
	got := u32s(ex.Body.Bytes()) // StatusLen: length, then status
	if got[1] != uint32(abi.StatusOK) || got[0] != abi.MaxKVListKeys*(4+4) {
		t.Fatalf("kv_list returned status %d, length %d; want 0, %d", got[1], got[0], abi.MaxKVListKeys*8)
	}
}

func TestLogLinesAreBounded(t *testing.T) {
	cases := []struct {
		name           string
		n, op, reps    uint32
		source         string
		lines, lineLen int
	}{
		// 200 log calls of 1 MiB: each line truncated to 4096 bytes, and
		// at most the burst of 100 lines written.
		{"log", 1 << 20, 2, 200, "log", 100, maxGuestLine},
		// 10 writes of 1 MiB without a newline: nothing is logged and the
		// partial line stays at most 4096 bytes.
		{"partial line", 1 << 20, 1, 10, "stdout", 0, 0},
		// 16 MiB of newlines in one fd_write: the burst of empty lines, and
		// the rest skipped at once (one by one, the host call used to
		// outlast the call deadline).
		{"newlines", 16 << 20, 0, 1, "stdout", 100, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sink := &logSink{}
			// No refill during the test: exactly the burst gets through.
			e := newEngine(t, Config{Logger: slog.New(sink), GuestLogRate: 1e-9, GuestLogBurst: 100})
			p := newPool(t, e, testwasm.Get("logbomb"), Binding{Plugin: "log", Config: config(tc.n, tc.op, tc.reps)})
			inst, err := p.Get(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			defer inst.Release()
			ex := newExchange(1 << 20)
			defer ex.Release()
			if _, err := inst.OnRequest(context.Background(), ex); err != nil {
				t.Fatal(err)
			}
			lines := sink.guestLines(tc.source)
			if len(lines) != tc.lines {
				t.Fatalf("%d lines logged, want %d", len(lines), tc.lines)
			}
			for _, l := range lines {
				if len(l) != tc.lineLen || strings.Trim(l, "a") != "" {
					t.Fatalf("a line of %d bytes, want %d", len(l), tc.lineLen)
				}
			}
			if n := len(inst.stdout.buf); n > maxGuestLine {
				t.Fatalf("partial line buffer holds %d bytes", n)
			}
		})
	}
}

// policyLengths is a JWTVerifier that records the longest policy it was
// given; it verifies nothing.
type policyLengths struct{ longest, calls int }

func (p *policyLengths) VerifyJWT(_ Owner, _, _, policy []byte, _ time.Time) ([]byte, abi.Status) {
	p.calls++
	p.longest = max(p.longest, len(policy))
	return []byte("no"), abi.StatusDenied
}

func TestJWTPolicyBound(t *testing.T) {
	v := &policyLengths{}
	e := newEngine(t, Config{JWT: v})
	run := func(n, reps uint32) []uint32 {
		p := newPool(t, e, testwasm.Get("jwtbomb"), Binding{Plugin: "jwt", Config: config(n, reps), KeySets: []string{"ks"}})
		ex := newExchange(1 << 20)
		defer ex.Release()
		onRequest(t, p, ex)
		return u32s(ex.Body.Bytes())
	}
	// 1000 distinct policies of 4001 to 5000 bytes: the 96 up to 4096
	// bytes reach the verifier, the others are invalid_argument.
	if got := run(4001, 1000); got[0] != 1000-96 || got[1] != 96 {
		t.Fatalf("invalid_argument, other = %v, want 904, 96", got)
	}
	if v.calls != 96 || v.longest != maxJWTPolicy {
		t.Fatalf("the verifier saw %d policies, the longest %d bytes; want 96, %d", v.calls, v.longest, maxJWTPolicy)
	}
	// A 16 MiB policy never reaches it.
	if got := run(16<<20, 1); got[0] != 1 {
		t.Fatalf("16 MiB policy: %v", got)
	}
	if v.longest != maxJWTPolicy {
		t.Fatalf("the verifier saw a %d-byte policy", v.longest)
	}
}
