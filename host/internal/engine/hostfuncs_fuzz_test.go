package engine

import (
	"bytes"
	"encoding/binary"
	"net/http"
	"os"
	"slices"
	"testing"

	"github.com/hostd/hostd/abi"
)

// Native fuzz tests of every host function's pointer and length handling.
// See README.md in this directory for how to run them for longer; the
// committed seed corpus (testdata/fuzz/FuzzHost*) runs as a normal test.
//
// Each target calls one function of its group, chosen by fn, in the phase
// chosen by ph, with the state chosen by flags (fuzzFlags), the stack values
// a0..a7 (i32 parameters truncated to 32 bits, as wazero passes them) and
// guest memory filled from mem. It asserts that the call returns or traps
// with a misuse (any other panic is a bug); that it writes guest memory only
// inside the output regions its ABI entry allows, and inside a buf_limit
// buffer only [buf, buf+length) when the value fits; that packed results are
// consistent; that a trap leaves the plugin's KV unchanged; and that the
// host-held request state stays within its bounds.

var fuzzGroups = map[string][]string{
	"core":    {abi.FuncEnableFeatures, abi.FuncGetConfig, abi.FuncLog, abi.FuncLogEnabled, abi.FuncNow, abi.FuncRandom},
	"request": {abi.FuncGetMethod, abi.FuncGetPath, abi.FuncSetPath, abi.FuncGetQuery, abi.FuncSetQuery, abi.FuncGetRouteVar, abi.FuncGetRemoteAddr, abi.FuncGetRequestID, abi.FuncGetStatus, abi.FuncSetStatus, abi.FuncSendResponse, abi.FuncSetRequestState, abi.FuncGetRequestState},
	"headers": {abi.FuncGetHeader, abi.FuncGetHeaderValues, abi.FuncGetHeaderNames, abi.FuncSetHeader, abi.FuncAddHeader, abi.FuncRemoveHeader},
	"body":    {abi.FuncGetBody, abi.FuncSetBody, abi.FuncWriteBody},
	"kv":      {abi.FuncKVGet, abi.FuncKVPut, abi.FuncKVCAS, abi.FuncKVDelete, abi.FuncKVList},
	"policy":  {abi.FuncJWTVerify, abi.FuncRateLimitTake, abi.FuncBreakerAllow, abi.FuncBreakerReport},
	"msg":     {abi.FuncMsgPublish, abi.FuncMsgRequest, abi.FuncMsgRespond, abi.FuncMsgGetSubject, abi.FuncMsgGetReply, abi.FuncMsgDeliveryCount, abi.FuncMsgSettle},
}

// packing is how a result carries the length of a buf_limit value.
type packing uint8

const (
	packNone   packing = iota
	packLen            // i32 length
	packFound          // FoundLen
	packCount          // CountLen
	packStatus         // StatusLen
)

// fixedOut is a fixed-size output: the parameter holding its pointer (0
// writes nothing) and its size.
type fixedOut struct {
	param int
	size  uint64
}

// fuzzSpec says where a host function may write guest memory and how its
// result reads.
type fuzzSpec struct {
	buf, limit int // parameters of a buf_limit output
	pack       packing
	outs       []fixedOut
	fill       bool // random: [p0, p0+p1) is written
	status     bool // the i32 result is a Status
	inputs     [][2]int
}

func bufOut(buf, limit int, pack packing, inputs ...[2]int) fuzzSpec {
	return fuzzSpec{buf: buf, limit: limit, pack: pack, inputs: inputs}
}

func statusFn(inputs ...[2]int) fuzzSpec { return fuzzSpec{status: true, inputs: inputs} }

func plain() fuzzSpec { return fuzzSpec{} }

// fuzzSpecs follows abi/SPEC.md: every host function, its outputs and its
// input regions (parameter index pairs).
var fuzzSpecs = func() map[string]fuzzSpec {
	type r = [2]int
	s := map[string]fuzzSpec{
		abi.FuncEnableFeatures: plain(),
		abi.FuncGetConfig:      bufOut(0, 1, packLen),
		abi.FuncLog:            {inputs: []r{{1, 2}}},
		abi.FuncLogEnabled:     plain(),
		abi.FuncNow:            plain(),
		abi.FuncRandom:         {fill: true},

		abi.FuncGetMethod:       bufOut(0, 1, packLen),
		abi.FuncGetPath:         bufOut(0, 1, packLen),
		abi.FuncSetPath:         statusFn(r{0, 1}),
		abi.FuncGetQuery:        bufOut(0, 1, packLen),
		abi.FuncSetQuery:        statusFn(r{0, 1}),
		abi.FuncGetRouteVar:     bufOut(2, 3, packFound, r{0, 1}),
		abi.FuncGetRemoteAddr:   bufOut(0, 1, packLen),
		abi.FuncGetRequestID:    bufOut(0, 1, packLen),
		abi.FuncSetRequestState: statusFn(r{0, 1}),
		abi.FuncGetRequestState: bufOut(0, 1, packLen),

		abi.FuncGetHeader:       bufOut(3, 4, packFound, r{1, 2}),
		abi.FuncGetHeaderValues: bufOut(3, 4, packCount, r{1, 2}),
		abi.FuncGetHeaderNames:  bufOut(1, 2, packCount),
		abi.FuncSetHeader:       statusFn(r{1, 2}, r{3, 4}),
		abi.FuncAddHeader:       statusFn(r{1, 2}, r{3, 4}),
		abi.FuncRemoveHeader:    statusFn(r{1, 2}),

		abi.FuncGetBody:   bufOut(1, 2, packStatus),
		abi.FuncSetBody:   statusFn(r{1, 2}),
		abi.FuncWriteBody: statusFn(r{1, 2}),

		abi.FuncGetStatus:    plain(),
		abi.FuncSetStatus:    statusFn(),
		abi.FuncSendResponse: statusFn(r{1, 2}),

		abi.FuncKVGet:    {buf: 2, limit: 3, pack: packStatus, outs: []fixedOut{{4, 8}}, inputs: []r{{0, 1}}},
		abi.FuncKVPut:    {status: true, outs: []fixedOut{{5, 8}}, inputs: []r{{0, 1}, {2, 3}}},
		abi.FuncKVCAS:    {status: true, outs: []fixedOut{{6, 8}}, inputs: []r{{0, 1}, {2, 3}}},
		abi.FuncKVDelete: statusFn(r{0, 1}),
		abi.FuncKVList:   bufOut(5, 6, packStatus, r{0, 1}, r{2, 3}),

		abi.FuncJWTVerify:     bufOut(6, 7, packStatus, r{0, 1}, r{2, 3}, r{4, 5}),
		abi.FuncRateLimitTake: {status: true, outs: []fixedOut{{7, abi.RateLimitOutSize}}, inputs: []r{{0, 1}}},
		abi.FuncBreakerAllow:  {status: true, outs: []fixedOut{{3, abi.BreakerOutSize}}, inputs: []r{{0, 1}}},
		abi.FuncBreakerReport: {inputs: []r{{0, 1}}},

		abi.FuncMsgPublish:       statusFn(r{0, 1}, r{2, 3}, r{4, 5}),
		abi.FuncMsgRequest:       statusFn(r{0, 1}, r{2, 3}, r{4, 5}),
		abi.FuncMsgRespond:       statusFn(r{0, 1}, r{2, 3}),
		abi.FuncMsgGetSubject:    bufOut(0, 1, packLen),
		abi.FuncMsgGetReply:      bufOut(0, 1, packLen),
		abi.FuncMsgDeliveryCount: plain(),
		abi.FuncMsgSettle:        statusFn(),
	}
	for name, sp := range s {
		if sp.pack == packNone {
			sp.buf, sp.limit = -1, -1
			s[name] = sp
		}
	}
	return s
}()

var hostSig = func() map[string]abi.Signature {
	m := map[string]abi.Signature{}
	for _, s := range abi.HostFunctions {
		m[s.Name] = s
	}
	return m
}()

// TestFuzzTablesCoverEveryHostFunction keeps the fuzz targets complete.
func TestFuzzTablesCoverEveryHostFunction(t *testing.T) {
	seen := map[string]int{}
	for _, g := range fuzzGroups {
		for _, n := range g {
			seen[n]++
		}
	}
	for _, s := range abi.HostFunctions {
		if seen[s.Name] != 1 {
			t.Errorf("%s is in %d fuzz groups, want 1", s.Name, seen[s.Name])
		}
		if _, ok := fuzzSpecs[s.Name]; !ok {
			t.Errorf("%s has no fuzzSpec", s.Name)
		}
	}
	if len(seen) != len(abi.HostFunctions) || len(fuzzSpecs) != len(abi.HostFunctions) {
		t.Errorf("fuzz tables name %d and %d functions, the ABI has %d", len(seen), len(fuzzSpecs), len(abi.HostFunctions))
	}
}

// fuzzTrace logs every call (HOSTD_FUZZ_TRACE=1 go test -run FuzzHost -v).
var fuzzTrace = os.Getenv("HOSTD_FUZZ_TRACE") != ""

// fuzzInput is one fuzzed call.
type fuzzInput struct {
	fn, ph, flags uint8
	args          [8]uint64
	mem           []byte
}

func fuzzGroup(f *testing.F, group string) {
	hs := newFuzzHosts(f)
	names := fuzzGroups[group]
	f.Fuzz(func(t *testing.T, fn, ph, flags uint8, a0, a1, a2, a3, a4, a5, a6, a7 uint64, mem []byte) {
		in := fuzzInput{fn, ph, flags, [8]uint64{a0, a1, a2, a3, a4, a5, a6, a7}, mem}
		hs.run(t, names[int(fn)%len(names)], in)
	})
}

func FuzzHostCore(f *testing.F)    { fuzzGroup(f, "core") }
func FuzzHostRequest(f *testing.F) { fuzzGroup(f, "request") }
func FuzzHostHeaders(f *testing.F) { fuzzGroup(f, "headers") }
func FuzzHostBody(f *testing.F)    { fuzzGroup(f, "body") }
func FuzzHostKV(f *testing.F)      { fuzzGroup(f, "kv") }
func FuzzHostPolicy(f *testing.F)  { fuzzGroup(f, "policy") }
func FuzzHostMsg(f *testing.F)     { fuzzGroup(f, "msg") }

// run makes one fuzzed call of name and checks it.
func (hs *fuzzHosts) run(t *testing.T, name string, in fuzzInput) {
	h := hs.bare
	if in.flags&flagServices != 0 {
		h = hs.full
	}
	h.resetState()
	sig, spec := hostSig[name], fuzzSpecs[name]
	before := h.fill(in.mem)
	ex, msg := h.enter(in.ph, in.flags)
	defer h.leave(ex)
	stack := make([]uint64, max(len(sig.Params), len(sig.Results), 1))
	for i, p := range sig.Params {
		stack[i] = in.args[i]
		if p == abi.I32 {
			stack[i] = uint64(uint32(stack[i]))
		}
	}
	params := slices.Clone(stack[:len(sig.Params)])
	kvBefore, kvKey := h.kvSnapshot(name, params)

	out := h.call(t, name, stack)
	if fuzzTrace {
		t.Logf("%s%s in %s: trap %q, result %#x", name, fmtStack(params), h.inst.phase, string(out.trap), out.stack[0])
	}

	after := make([]byte, fuzzMemSize)
	cur, _ := h.mem.Read(0, fuzzMemSize)
	copy(after, cur)
	checkWrites(t, name+fmtStack(params), before, after, allowedWrites(spec, params, out)...)
	if out.trap != "" {
		if kvAfter, _ := h.kvSnapshot(name, params); !bytes.Equal(kvBefore, kvAfter) {
			t.Fatalf("%s%s trapped (%s) after changing KV key %q", name, fmtStack(params), out.trap, kvKey)
		}
		return
	}
	checkResult(t, name, sig, spec, params, out.stack)
	checkList(t, name, spec, params, out.stack[0], after)
	checkValue(t, name, msg, params, out.stack[0], after)
	h.checkHeld(t, name, ex)
	h.restoreKV(name, kvKey)
}

// allowedWrites returns the regions a call may write.
func allowedWrites(spec fuzzSpec, p []uint64, out outcome) []region {
	var rs []region
	for _, o := range spec.outs {
		if p[o.param] != 0 {
			rs = append(rs, region{p[o.param], p[o.param] + o.size})
		}
	}
	if spec.fill {
		rs = append(rs, region{p[0], p[0] + p[1]})
	}
	if spec.pack == packNone {
		return rs
	}
	buf, limit := p[spec.buf], p[spec.limit]
	if out.trap != "" { // a trap may follow a complete write
		return append(rs, region{buf, buf + limit})
	}
	if n := resultLen(spec.pack, out.stack[0]); n > 0 && n <= limit {
		rs = append(rs, region{buf, buf + n})
	}
	return rs
}

func resultLen(p packing, r uint64) uint64 {
	if p == packLen {
		return r
	}
	return r & 0xffffffff
}

// checkResult checks the result against the function's ABI entry.
func checkResult(t *testing.T, name string, sig abi.Signature, spec fuzzSpec, params, stack []uint64) {
	t.Helper()
	if len(sig.Results) == 0 {
		return
	}
	r := stack[0]
	fail := func(why string) {
		t.Helper()
		t.Fatalf("%s%s returned %#x: %s", name, fmtStack(params), r, why)
	}
	if sig.Results[0] == abi.I32 && r>>32 != 0 {
		fail("an i32 result with high bits set")
	}
	hi, lo := r>>32, r&0xffffffff
	switch spec.pack {
	case packFound:
		if hi > 1 || (hi == 0 && lo != 0) {
			fail("not a FoundLen")
		}
	case packCount:
		if hi > lo {
			fail("more items than bytes in a NUL-terminated list")
		}
	case packStatus:
		st := abi.Status(hi)
		if st > abi.StatusInternal {
			fail("not a Status")
		}
		if st != abi.StatusOK && lo != 0 && !(name == abi.FuncJWTVerify && st == abi.StatusDenied) {
			fail("a length with a status other than ok")
		}
	}
	switch {
	case spec.status && abi.Status(r) > abi.StatusInternal:
		fail("not a Status")
	case name == abi.FuncLogEnabled && r > 1:
		fail("not 0 or 1")
	case name == abi.FuncBreakerReport && abi.BreakerState(r) > abi.BreakerHalfOpen:
		fail("not a BreakerState")
	case name == abi.FuncGetStatus && (r < 200 || r > 999):
		fail("not a final status code")
	case name == abi.FuncEnableFeatures && abi.Features(r)&^abi.Features(params[0])&^(abi.FeatureKV|abi.FeatureBufferResponse|abi.FeatureJWT|abi.FeatureRateLimit|abi.FeatureBreaker|abi.FeatureMessaging) != 0:
		fail("a feature nobody offers")
	}
}

// checkList checks a list the call wrote: a NUL-terminated list holds
// exactly the returned count of items, a length-prefixed list (kv_list)
// parses to exactly the returned length.
func checkList(t *testing.T, name string, spec fuzzSpec, params []uint64, r uint64, mem []byte) {
	t.Helper()
	if spec.pack == packNone {
		return
	}
	buf, limit, n := params[spec.buf], params[spec.limit], resultLen(spec.pack, r)
	if n == 0 || n > limit {
		return
	}
	b := mem[buf : buf+n]
	switch {
	case spec.pack == packCount:
		if uint64(bytes.Count(b, []byte{0})) != r>>32 || b[len(b)-1] != 0 {
			t.Fatalf("%s%s wrote %q for %d items", name, fmtStack(params), b, r>>32)
		}
	case name == abi.FuncKVList:
		keys := 0
		for len(b) > 0 {
			if len(b) < 4 || uint64(binary.LittleEndian.Uint32(b)) > uint64(len(b)-4) {
				t.Fatalf("%s%s wrote a malformed key list", name, fmtStack(params))
			}
			b = b[4+binary.LittleEndian.Uint32(b):]
			keys++
		}
		if keys > abi.MaxKVListKeys || keys > int(params[4]) {
			t.Fatalf("%s%s listed %d keys for max %d", name, fmtStack(params), keys, int32(params[4]))
		}
	}
}

// fuzzValues are the values the fixed getters return for every fuzzed
// exchange and message (see enter).
var fuzzValues = map[string]string{
	abi.FuncGetConfig: `{"fuzz":true}`, abi.FuncGetMethod: "POST", abi.FuncGetPath: "/p/a%20b",
	abi.FuncGetQuery: "q=1&r=2", abi.FuncGetRemoteAddr: "192.0.2.1:1234", abi.FuncGetRequestID: "req-1",
	abi.FuncMsgGetSubject: "f.in", abi.FuncMsgGetReply: "f.reply",
}

// checkValue checks a fixed getter: the full length, and the whole value
// written when it fits.
func checkValue(t *testing.T, name string, msg *Message, params []uint64, r uint64, mem []byte) {
	t.Helper()
	want, ok := fuzzValues[name]
	if !ok {
		return
	}
	if name == abi.FuncMsgGetReply {
		want = msg.Reply
	}
	if r != uint64(len(want)) {
		t.Fatalf("%s%s returned %d, want the length of %q", name, fmtStack(params), r, want)
	}
	if buf, limit := params[0], params[1]; r > 0 && r <= limit && string(mem[buf:buf+r]) != want {
		t.Fatalf("%s%s wrote %q, want %q", name, fmtStack(params), mem[buf:buf+r], want)
	}
}

// checkHeld checks that the state the host holds for the request stays
// within its bounds, whatever the call did.
func (h *fuzzHost) checkHeld(t *testing.T, name string, ex *Exchange) {
	t.Helper()
	c := &h.inst.p.cfg
	if s := h.inst.reply.sent; s.messages > c.MaxPublishPerCall || s.bytes > c.MaxPublishBytesPerCall {
		t.Fatalf("%s: send budget %+v over its bounds", name, s)
	}
	if ex == nil {
		return
	}
	if ex.Body.Len() > int(ex.MaxBody) || len(ex.reqBody) > int(ex.MaxBody) {
		t.Fatalf("%s: bodies of %d and %d bytes, limit %d", name, ex.Body.Len(), len(ex.reqBody), ex.MaxBody)
	}
	for _, m := range []struct {
		h       map[string][]string
		b       headerBudget
		initial http.Header
	}{{ex.Request.Header, ex.reqAdded, fuzzRequest(0).Header}, {ex.Header, ex.respAdded, http.Header{"X-Resp": {"r"}}}} {
		if m.b.values > c.MaxPluginHeaders || m.b.bytes > c.MaxPluginHeaderBytes {
			t.Fatalf("%s: header budget %+v over its bounds", name, m.b)
		}
		v0, b0 := headerBytes(m.initial)
		v, b := headerBytes(m.h)
		if v > v0+c.MaxPluginHeaders || b > b0+c.MaxPluginHeaderBytes {
			t.Fatalf("%s: a header map holds %d values, %d bytes; at most %d, %d may be added to %d, %d",
				name, v, b, c.MaxPluginHeaders, c.MaxPluginHeaderBytes, v0, b0)
		}
	}
	if p, q := ex.Request.URL.EscapedPath(), ex.Request.URL.RawQuery; len(p) > max(c.MaxPluginURLBytes, 16) || len(q) > c.MaxPluginURLBytes {
		t.Fatalf("%s: path of %d bytes, query of %d", name, len(p), len(q))
	}
}
