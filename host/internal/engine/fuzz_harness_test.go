package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/hostd/hostd/abi"
	"github.com/hostd/hostd/host/internal/bus"
	"github.com/hostd/hostd/host/internal/policy"
	"github.com/hostd/hostd/internal/testwasm"
	"github.com/tetratelabs/wazero/api"
)

// The fuzz harness calls host function implementations directly, with a
// real guest instance (testdata/fuzzguest: one fixed page of memory) and a
// real Exchange or Message, as wazero would call them during a callback.
// It touches the Instance only through enter, leave and hostCtx, so that
// it is easy to re-target when the Instance changes.

// fuzzMemSize is the fuzz guest's memory: exactly one page.
const fuzzMemSize = 65536

// fuzzMaxBody is the body limit of fuzzed exchanges.
const fuzzMaxBody = 4096

// fuzzHost is one engine with an instance of the fuzz guest.
type fuzzHost struct {
	inst *Instance
	mem  api.Memory
	kv   KVStore     // nil without services
	pol  *fuzzPolicy // nil without services

	kvSwitch *failingKV // the engine's KV store: kv, failing when asked
}

// failingKV is a KV store that fails (as a broken disk) while fail is set.
type failingKV struct {
	KVStore
	fail bool
}

var errFuzzKV = errors.New("fuzz: kv store failing")

func (k *failingKV) KVGet(ns string, key []byte) ([]byte, uint64, bool, error) {
	if k.fail {
		return nil, 0, false, errFuzzKV
	}
	return k.KVStore.KVGet(ns, key)
}

func (k *failingKV) KVPut(ns string, key, value []byte, ttl time.Duration, expect *uint64) (uint64, error) {
	if k.fail {
		return 0, errFuzzKV
	}
	return k.KVStore.KVPut(ns, key, value, ttl, expect)
}

func (k *failingKV) KVDelete(ns string, key []byte) (bool, error) {
	if k.fail {
		return false, errFuzzKV
	}
	return k.KVStore.KVDelete(ns, key)
}

func (k *failingKV) KVList(ns string, prefix, after []byte, max int) ([][]byte, error) {
	if k.fail {
		return nil, errFuzzKV
	}
	return k.KVStore.KVList(ns, prefix, after, max)
}

// fuzzHosts are two hosts: every service configured, and none.
type fuzzHosts struct{ full, bare *fuzzHost }

func newFuzzHosts(tb testing.TB) *fuzzHosts {
	tb.Helper()
	b := testBus(tb)
	unsub, err := b.QueueSubscribeMsg("f.echo", "", func(m *bus.Msg) {
		_ = m.Respond(bus.Header{"X-Echo": {"1"}}, m.Data)
	})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = unsub() })
	quiet := slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelDebug}))
	kv := testKV(tb)
	for k, v := range fuzzKeys {
		if _, err := kv.KVPut("fuzz", []byte(k), []byte(v), 0, nil); err != nil {
			tb.Fatal(err)
		}
	}
	pol := &fuzzPolicy{}
	pol.reset()
	kvSwitch := &failingKV{KVStore: kv}
	full := Config{
		KV:              kvSwitch,
		MaxKVValueBytes: 4096, // keeps the fuzzing store small
		JWT:             fixedJWT{},
		RateLimits:      pol,
		Breakers:        pol,
		Messenger:       busMessenger{b},
		Logger:          quiet,
		// Small budgets, so that fuzzed calls reach them.
		MaxPluginHeaders: 8, MaxPluginHeaderBytes: 4096, MaxPluginURLBytes: 1024,
		MaxPublishPerCall: 4, MaxPublishBytesPerCall: 8192,
	}
	fh := newFuzzHost(tb, full)
	fh.kv, fh.pol, fh.kvSwitch = kv, pol, kvSwitch
	// The bare host logs at info, so that log_enabled(debug) is false.
	return &fuzzHosts{full: fh, bare: newFuzzHost(tb, Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})}
}

func newFuzzHost(tb testing.TB, cfg Config) *fuzzHost {
	tb.Helper()
	e := newEngine(tb, cfg)
	p := newPool(tb, e, testwasm.Get("fuzzguest"), Binding{Plugin: "fuzz", Version: 1,
		Config: []byte(`{"fuzz":true}`),
		Grants: Grants{Publish: []string{"f.>"}, Request: []string{"f.>"}}})
	inst, err := p.Get(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(inst.Release)
	if inst.mod.Memory().Size() != fuzzMemSize {
		tb.Fatalf("fuzz guest memory is %d bytes, want %d", inst.mod.Memory().Size(), fuzzMemSize)
	}
	return &fuzzHost{inst: inst, mem: inst.mod.Memory()}
}

// fuzzFlags select the state around a call.
const (
	flagServices     = 1 << iota // the host with every service
	flagUnbuffered               // the response body is an unbuffered stream
	flagReqBodyRead              // the request body was read during on_request
	flagReply                    // a msg_request reply is present
	flagServicesFail             // the KV store and the message's Settle fail
	flagBudgetsSpent             // the header and send budgets are nearly spent
	flagBodyFails                // reading the request body fails
	flagBodyTooLarge             // the request body is over the body limit
)

// failingReader fails every read, as a client that went away.
type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, io.ErrUnexpectedEOF }

var fuzzPhases = []phase{phaseNone, phaseConfigure, phaseRequest, phaseResponse, phaseMessage}

// fuzzPhase maps a fuzzed phase index to a phase; the index after the
// last phase is on_message for a core NATS message without a reply
// subject.
func fuzzPhase(i uint8) (ph phase, noReply bool) {
	n := int(i) % (len(fuzzPhases) + 1)
	if n == len(fuzzPhases) {
		return phaseMessage, true
	}
	return fuzzPhases[n], false
}

// fuzzRequest is the request every fuzzed exchange serves.
func fuzzRequest(flags uint8) *http.Request {
	var body io.Reader = strings.NewReader("hello body")
	switch {
	case flags&flagBodyFails != 0:
		body = failingReader{}
	case flags&flagBodyTooLarge != 0:
		body = strings.NewReader(strings.Repeat("b", fuzzMaxBody+1))
	}
	r := httptest.NewRequest("POST", "http://example.com/p/a%20b?q=1&r=2", body)
	r.Header["X-A"] = []string{"1", "2"}
	r.Header.Set("Cookie", "c=1")
	r.Header.Set("Content-Type", "text/plain")
	return r
}

// enter sets the instance up as if callback ph were running, with fresh
// per-call state, and returns the exchange and message it sees.
func (h *fuzzHost) enter(phIndex, flags uint8) (*Exchange, *Message) {
	i := h.inst
	ph, noReply := fuzzPhase(phIndex)
	var ex *Exchange
	var msg *Message
	switch ph {
	case phaseRequest, phaseResponse:
		ex = NewExchange(fuzzRequest(flags), map[string]string{"id": "42", "name": "a b"}, "req-1", fuzzMaxBody)
		ex.Header.Set("X-Resp", "r")
		ex.Body.WriteString("response body")
		if ph == phaseResponse && flags&flagUnbuffered != 0 {
			ex.BodyBuffered = false
			ex.Stream, ex.StreamLength = io.NopCloser(strings.NewReader("stream")), 6
		}
		if flags&flagReqBodyRead != 0 {
			ex.RequestBody()
		}
	case phaseMessage:
		settle := abi.StatusOK
		if flags&flagServicesFail != 0 {
			settle = abi.StatusUnavailable
		}
		// Any NATS publisher can send a NUL byte in a header.
		msg = &Message{Subject: "f.in", Reply: "f.reply", Header: http.Header{"X-M": {"v"}, "x-lower": {"l"},
			"X-Nul": {"a\x00b", "ok"}, "Nul\x00Name": {"x"}, "X-Empty": {}},
			Data: []byte("message data"), Delivered: 2,
			Settle: func(abi.Disposition, time.Duration) abi.Status { return settle }}
		if noReply {
			msg.Reply, msg.Delivered, msg.Settle = "", 0, nil
		}
	}
	if h.kvSwitch != nil {
		h.kvSwitch.fail = flags&flagServicesFail != 0
	}
	i.phase, i.ex, i.msg, i.reply = ph, ex, msg, reply{}
	if flags&flagReply != 0 {
		i.reply.header, i.reply.data = http.Header{"X-R": {"1"}, "X-Nul": {"\x00"}}, []byte("reply data")
	}
	if flags&flagBudgetsSpent != 0 {
		c := &i.p.cfg
		i.reply.sent = sendBudget{c.MaxPublishPerCall - 1, c.MaxPublishBytesPerCall - 16}
		if ex != nil {
			ex.reqAdded = headerBudget{c.MaxPluginHeaders - 1, c.MaxPluginHeaderBytes - 16}
			ex.respAdded = ex.reqAdded
		}
	}
	return ex, msg
}

// leave ends the simulated callback.
func (h *fuzzHost) leave(ex *Exchange) {
	h.inst.phase, h.inst.ex, h.inst.msg, h.inst.reply = phaseNone, nil, nil, reply{}
	if ex != nil {
		ex.Release()
	}
}

// hostCtx is the context a host function receives during a call.
func (h *fuzzHost) hostCtx(ctx context.Context) context.Context {
	return context.WithValue(ctx, instanceKey{}, h.inst)
}

// fill resets guest memory: data at the start and again at the end, zeros
// between.
func (h *fuzzHost) fill(data []byte) []byte {
	page := make([]byte, fuzzMemSize)
	if len(data) > fuzzMemSize {
		data = data[:fuzzMemSize]
	}
	copy(page, data)
	copy(page[fuzzMemSize-len(data):], data)
	if !h.mem.Write(0, page) {
		panic("fuzz: memory write failed")
	}
	return page
}

// trapped is the outcome of one host function call.
type outcome struct {
	trap  misuse // set if the call trapped
	stack []uint64
}

// call runs fn with stack, turning a misuse panic into a trap outcome. Any
// other panic is a host bug: the test fails with it and its stack.
func (h *fuzzHost) call(t *testing.T, name string, stack []uint64) (out outcome) {
	fn := hostFuncs[name]
	ctx, cancel := context.WithTimeout(h.hostCtx(context.Background()), 200*time.Millisecond)
	defer cancel()
	defer func() {
		if r := recover(); r != nil {
			m, ok := r.(misuse)
			if !ok {
				t.Fatalf("%s%s panicked with %T: %v\n%s", name, fmtStack(stack), r, r, debug.Stack())
			}
			out.trap = m
		}
		out.stack = stack
	}()
	fn(ctx, h.inst.mod, stack)
	return out
}

func fmtStack(s []uint64) string {
	var b strings.Builder
	b.WriteByte('(')
	for i, v := range s {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%#x", v)
	}
	b.WriteByte(')')
	return b.String()
}

// region is a half-open byte range of guest memory.
type region struct{ lo, hi uint64 }

func (r region) has(i uint64) bool { return i >= r.lo && i < r.hi }

// changed returns the offsets where after differs from before.
func changed(before, after []byte) []uint64 {
	var out []uint64
	for i := range before {
		if before[i] != after[i] {
			out = append(out, uint64(i))
		}
	}
	return out
}

// checkWrites fails unless every changed byte lies in one of allowed.
func checkWrites(t *testing.T, what string, before, after []byte, allowed ...region) {
	t.Helper()
	if bytes.Equal(before, after) {
		return
	}
	for _, i := range changed(before, after) {
		ok := false
		for _, r := range allowed {
			ok = ok || r.has(i)
		}
		if !ok {
			t.Fatalf("%s wrote guest memory at %d, outside %v", what, i, allowed)
		}
	}
}

// fuzzKeys are KV entries present before every fuzzed call.
var fuzzKeys = map[string]string{"k": "value", "key1": "v1", "key2": ""}

// resetState restores the services' state, so that a fuzz input's
// outcome does not depend on the inputs before it.
func (h *fuzzHost) resetState() {
	if h.pol != nil {
		h.pol.reset()
	}
}

// kvSnapshot returns the stored entry (value and revision) of the key a KV
// write would change, and the key.
func (h *fuzzHost) kvSnapshot(name string, p []uint64) ([]byte, []byte) {
	if h.kv == nil || (name != abi.FuncKVPut && name != abi.FuncKVCAS && name != abi.FuncKVDelete) {
		return nil, nil
	}
	key, ok := h.mem.Read(uint32(p[0]), uint32(p[1]))
	if !ok || len(key) == 0 || len(key) > abi.MaxKVKeyLen {
		return nil, nil
	}
	key = bytes.Clone(key)
	v, rev, found, err := h.kv.KVGet("fuzz", key)
	if err != nil {
		panic(err)
	}
	snap := fmt.Appendf(nil, "%v %d %q", found, rev, v)
	return snap, key
}

// restoreKV puts back what a KV write changed.
func (h *fuzzHost) restoreKV(name string, key []byte) {
	if key == nil {
		return
	}
	var err error
	if v, ok := fuzzKeys[string(key)]; ok {
		_, err = h.kv.KVPut("fuzz", key, []byte(v), 0, nil)
	} else {
		_, err = h.kv.KVDelete("fuzz", key)
	}
	if err != nil {
		panic(err)
	}
}

// fuzzPolicy is the rate limiter and breakers of the fuzzing host, reset
// before every call to two buckets ("b", "c") and two breakers ("b" closed,
// "c" open) with no room for more, so that one call can reach every path.
type fuzzPolicy struct {
	l *policy.Limiters
	b *policy.Breakers
}

func (p *fuzzPolicy) reset() {
	now := time.Now()
	p.l, p.b = policy.NewLimiters(now, 2), policy.NewBreakers(now, 2)
	lim := policy.Limits{Rate: 5, Period: time.Second, Burst: 5}
	cfg := policy.BreakerConfig{Window: time.Second, OpenFor: time.Minute, ConsecutiveFailures: 1, HalfOpenRequests: 1}
	for _, n := range []string{"b", "c"} {
		_, _ = p.l.Take([]byte(n), lim, 1, now)
		p.b.Allow([]byte(n), cfg, now)
	}
	p.b.Report([]byte("c"), cfg, false, 0, now)
}

func (p *fuzzPolicy) Take(owner Owner, name []byte, rate int64, period time.Duration, burst, cost int64, alg abi.RateLimitAlgorithm, now time.Time) RateDecision {
	return testLimiters{p.l}.Take(owner, name, rate, period, burst, cost, alg, now)
}

func (p *fuzzPolicy) Allow(owner Owner, name []byte, cfg BreakerConfig, now time.Time) (bool, abi.BreakerState, time.Duration) {
	return testBreakers{p.b}.Allow(owner, name, cfg, now)
}

func (p *fuzzPolicy) Report(owner Owner, name []byte, cfg BreakerConfig, success bool, latency time.Duration, now time.Time) abi.BreakerState {
	return testBreakers{p.b}.Report(owner, name, cfg, success, latency, now)
}
