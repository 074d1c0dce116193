package engine

import (
	"bytes"
	"encoding/binary"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hostd/hostd/abi"
)

// The seed corpus of the FuzzHost* targets is generated from the table
// below and committed under testdata/fuzz. TestFuzzSeedCorpus fails when a
// committed seed is missing or differs; run it with -update-fuzz-seeds to
// rewrite them. Files the fuzzer adds there under other names are kept.

var updateFuzzSeeds = flag.Bool("update-fuzz-seeds", false, "rewrite testdata/fuzz seeds of the FuzzHost* targets")

// Seed memory: fixed values at fixed offsets (and, as fill copies the
// data to the end of memory too, at the same offsets from 65536-len).
const (
	seedHeader   = 0   // "X-A"
	seedSubject  = 16  // "f.echo"
	seedKeyset   = 32  // "ks"
	seedValue    = 48  // "good"
	seedPolicy   = 64  // {"issuer":"me"}
	seedKey      = 96  // "k"
	seedVar      = 112 // "id"
	seedPath     = 128 // "/new/path"
	seedQuery    = 144 // "n=3"
	seedBreaker  = 160 // 32-byte breaker configuration
	seedName     = 192 // "b"
	seedMsgHdrs  = 208 // headers X-H: v
	seedNulName  = 232 // "X-Nul": a message header with a NUL in a value
	seedHost     = 240 // "host"
	seedManaged  = 248 // "Content-Length"
	seedReserved = 264 // "hostd.x"
	seedOut      = 512 // free for outputs
	seedMemBytes = 512
)

func seedMemory() []byte {
	m := make([]byte, seedMemBytes)
	copy(m[seedHeader:], "X-A")
	copy(m[seedSubject:], "f.echo")
	copy(m[seedKeyset:], "ks")
	copy(m[seedValue:], "good")
	copy(m[seedPolicy:], `{"issuer":"me"}`)
	copy(m[seedKey:], "k")
	copy(m[seedVar:], "id")
	copy(m[seedPath:], "/new/path")
	copy(m[seedQuery:], "n=3")
	le := binary.LittleEndian
	le.PutUint64(m[seedBreaker:], 1000)
	le.PutUint64(m[seedBreaker+8:], 60000)
	le.PutUint32(m[seedBreaker+20:], 1)
	le.PutUint32(m[seedBreaker+24:], 1)
	copy(m[seedName:], "b")
	copy(m[seedMsgHdrs:], encodeList("X-H", "v"))
	copy(m[seedNulName:], "X-Nul")
	copy(m[seedHost:], "host")
	copy(m[seedManaged:], "Content-Length")
	copy(m[seedReserved:], "hostd.x")
	return bytes.TrimRight(m, "\x00")
}

var seedMsgHdrsLen = uint64(len(encodeList("X-H", "v")))

// seedArgs are arguments that make each function succeed in its phase.
var seedArgs = map[string][]uint64{
	abi.FuncEnableFeatures: {0xff},
	abi.FuncGetConfig:      {seedOut, 1024},
	abi.FuncLog:            {0, seedHeader, 3},
	abi.FuncLogEnabled:     {0},
	abi.FuncNow:            {},
	abi.FuncRandom:         {seedOut, 32},

	abi.FuncGetMethod:       {seedOut, 64},
	abi.FuncGetPath:         {seedOut, 64},
	abi.FuncSetPath:         {seedPath, 9},
	abi.FuncGetQuery:        {seedOut, 64},
	abi.FuncSetQuery:        {seedQuery, 3},
	abi.FuncGetRouteVar:     {seedVar, 2, seedOut, 64},
	abi.FuncGetRemoteAddr:   {seedOut, 64},
	abi.FuncGetRequestID:    {seedOut, 64},
	abi.FuncSetRequestState: {seedValue, 4},
	abi.FuncGetRequestState: {seedOut, 64},
	abi.FuncGetStatus:       {},
	abi.FuncSetStatus:       {201},
	abi.FuncSendResponse:    {403, seedValue, 4},

	abi.FuncGetHeader:       {0, seedHeader, 3, seedOut, 64},
	abi.FuncGetHeaderValues: {0, seedHeader, 3, seedOut, 64},
	abi.FuncGetHeaderNames:  {0, seedOut, 1024},
	abi.FuncSetHeader:       {1, seedHeader, 3, seedValue, 4},
	abi.FuncAddHeader:       {0, seedHeader, 3, seedValue, 4},
	abi.FuncRemoveHeader:    {0, seedHeader, 3},

	abi.FuncGetBody:   {0, seedOut, 1024},
	abi.FuncSetBody:   {1, seedValue, 4},
	abi.FuncWriteBody: {0, seedValue, 4},

	abi.FuncKVGet:    {seedKey, 1, seedOut, 64, seedOut + 128},
	abi.FuncKVPut:    {seedKey, 1, seedValue, 4, 0, seedOut + 128},
	abi.FuncKVCAS:    {seedKey, 1, seedValue, 4, 0, 0, seedOut + 128},
	abi.FuncKVDelete: {seedKey, 1},
	abi.FuncKVList:   {seedKey, 0, 0, 0, 10, seedOut, 1024},

	abi.FuncJWTVerify:     {seedKeyset, 2, seedValue, 4, seedPolicy, 15, seedOut, 256},
	abi.FuncRateLimitTake: {seedName, 1, 5, 1000, 5, 1, 0, seedOut},
	abi.FuncBreakerAllow:  {seedName, 1, seedBreaker, seedOut},
	abi.FuncBreakerReport: {seedName, 1, seedBreaker, 0, 5},

	abi.FuncMsgPublish:       {seedSubject, 6, seedMsgHdrs, seedMsgHdrsLen, seedValue, 4},
	abi.FuncMsgRequest:       {seedSubject, 6, seedMsgHdrs, seedMsgHdrsLen, seedValue, 4, 100},
	abi.FuncMsgRespond:       {seedMsgHdrs, seedMsgHdrsLen, seedValue, 4},
	abi.FuncMsgGetSubject:    {seedOut, 64},
	abi.FuncMsgGetReply:      {seedOut, 64},
	abi.FuncMsgDeliveryCount: {},
	abi.FuncMsgSettle:        {0, 10},
}

// seedPhase is where each group's functions are called in the seeds.
var seedPhase = map[string]phase{"core": phaseRequest, "request": phaseRequest, "headers": phaseRequest,
	"body": phaseRequest, "kv": phaseRequest, "policy": phaseRequest, "msg": phaseMessage}

type seed struct {
	name string
	in   fuzzInput
}

// seedsFor derives the seeds of one function: its good call, then the
// same call with each output and input region moved to the edges of
// memory, in other phases and without services.
func seedsFor(group string, fn int, name string) []seed {
	spec, good := fuzzSpecs[name], seedArgs[name]
	ph := slices.Index(fuzzPhases, seedPhase[group])
	base := fuzzInput{fn: uint8(fn), ph: uint8(ph), flags: flagServices | flagReqBodyRead | flagReply, mem: seedMemory()}
	copy(base.args[:], good)
	var out []seed
	add := func(variant string, edit func(in *fuzzInput)) {
		in := base
		edit(&in)
		out = append(out, seed{name + "-" + variant, in})
	}
	const end = fuzzMemSize
	add("good", func(*fuzzInput) {})
	add("bare", func(in *fuzzInput) { in.flags = 0 })
	add("phase-none", func(in *fuzzInput) { in.ph = 0 })
	add("phase-configure", func(in *fuzzInput) { in.ph = 1 })
	if group == "headers" || group == "body" || group == "request" {
		add("phase-response", func(in *fuzzInput) { in.ph = 3 })
		add("phase-response-unbuffered", func(in *fuzzInput) { in.ph, in.flags = 3, in.flags|flagUnbuffered })
		add("budgets-spent", func(in *fuzzInput) { in.flags |= flagBudgetsSpent })
	}
	switch name {
	case abi.FuncSetBody, abi.FuncWriteBody:
		add("too-large", func(in *fuzzInput) { in.args[2] = fuzzMaxBody + 1 })
	case abi.FuncSendResponse:
		add("too-large", func(in *fuzzInput) { in.args[2] = fuzzMaxBody + 1 })
		add("bad-status", func(in *fuzzInput) { in.args[0] = 199 })
	case abi.FuncSetPath, abi.FuncSetQuery:
		add("too-large", func(in *fuzzInput) { in.args[1] = 1025 })
		add("invalid", func(in *fuzzInput) { in.args[0] = seedHeader }) // "X-A": no leading "/" (path); fine (query)
	case abi.FuncGetHeader, abi.FuncGetHeaderValues:
		add("host", func(in *fuzzInput) { in.args[1], in.args[2] = seedHost, 4 })
	case abi.FuncSetHeader, abi.FuncAddHeader, abi.FuncRemoveHeader:
		add("managed", func(in *fuzzInput) { in.args[1], in.args[2] = seedManaged, 14 })
		add("bad-name", func(in *fuzzInput) { in.args[1], in.args[2] = seedPolicy, 15 })
	case abi.FuncKVPut, abi.FuncKVCAS:
		add("ttl-negative", func(in *fuzzInput) { in.args[4] = 1 << 63 })
		add("ttl-huge", func(in *fuzzInput) { in.args[4] = 1<<63 - 1 })
		add("value-too-large", func(in *fuzzInput) { in.args[3] = 4097 })
		add("key-too-large", func(in *fuzzInput) { in.args[1] = abi.MaxKVKeyLen + 1 })
	case abi.FuncJWTVerify:
		add("policy-too-long", func(in *fuzzInput) { in.args[5] = maxJWTPolicy + 1 })
		add("unknown-keyset", func(in *fuzzInput) { in.args[1] = 1 })
	case abi.FuncMsgPublish, abi.FuncMsgRequest:
		add("reserved", func(in *fuzzInput) { in.args[0], in.args[1] = seedReserved, 7 })
		add("not-granted", func(in *fuzzInput) { in.args[0], in.args[1] = seedKeyset, 2 })
		if name == abi.FuncMsgRequest {
			add("timeout-huge", func(in *fuzzInput) { in.args[6] = 1<<63 - 1 })
			add("timeout-zero", func(in *fuzzInput) { in.args[6] = 0 })
		}
	case abi.FuncMsgRespond, abi.FuncMsgSettle, abi.FuncMsgDeliveryCount, abi.FuncMsgGetReply:
		add("no-reply", func(in *fuzzInput) { in.ph = uint8(len(fuzzPhases)) })
	case abi.FuncLogEnabled:
		add("debug-off", func(in *fuzzInput) { in.args[0], in.flags = uint64(uint32(0xffffffff)), 0 })
	}
	if group == "kv" {
		add("store-fails", func(in *fuzzInput) { in.flags |= flagServicesFail })
	}
	if group == "body" {
		add("body-fails", func(in *fuzzInput) { in.flags = flagServices | flagBodyFails })
		add("body-too-large", func(in *fuzzInput) { in.flags = flagServices | flagBodyTooLarge })
		add("response-unread-body", func(in *fuzzInput) { in.ph, in.flags = 3, flagServices })
	}
	if group == "headers" || name == abi.FuncGetBody {
		add("kind-message", func(in *fuzzInput) { in.ph, in.args[0] = 4, 2 })
		add("kind-reply", func(in *fuzzInput) { in.ph, in.args[0] = 4, 3 })
		add("kind-reply-in-request", func(in *fuzzInput) { in.args[0] = 3 })
		add("kind-invalid", func(in *fuzzInput) { in.args[0] = 4 })
		if len(spec.inputs) > 0 && spec.inputs[0] == [2]int{1, 2} {
			add("kind-message-nul", func(in *fuzzInput) { in.ph, in.args[0], in.args[1], in.args[2] = 4, 2, seedNulName, 5 })
		}
	}
	if group == "msg" {
		add("phase-request", func(in *fuzzInput) { in.ph = 2 })
		add("budgets-spent", func(in *fuzzInput) { in.flags |= flagBudgetsSpent })
		add("settle-fails", func(in *fuzzInput) { in.flags |= flagServicesFail })
	}
	if spec.pack != packNone {
		b, l := spec.buf, spec.limit
		add("limit0", func(in *fuzzInput) { in.args[l] = 0 })
		add("buf-last-byte", func(in *fuzzInput) { in.args[b], in.args[l] = end-1, 1 })
		add("buf-past-end", func(in *fuzzInput) { in.args[b], in.args[l] = end-4, 0xffffffff })
		add("buf-max", func(in *fuzzInput) { in.args[b], in.args[l] = 0xffffffff, 0xffffffff })
		add("buf-at-end", func(in *fuzzInput) { in.args[b], in.args[l] = end, 0 })
		if len(spec.inputs) > 0 {
			add("buf-overlaps-input", func(in *fuzzInput) { in.args[b] = in.args[spec.inputs[0][0]] })
		}
	}
	for i, r := range spec.inputs {
		p, n := r[0], r[1]
		add(fmt.Sprintf("in%d-at-end", i), func(in *fuzzInput) { in.args[p] = end - in.args[n] })
		add(fmt.Sprintf("in%d-one-past", i), func(in *fuzzInput) { in.args[p] = end - in.args[n] + 1 })
		add(fmt.Sprintf("in%d-max-ptr", i), func(in *fuzzInput) { in.args[p] = 0xffffffff })
		add(fmt.Sprintf("in%d-max-len", i), func(in *fuzzInput) { in.args[n] = 0xffffffff })
		add(fmt.Sprintf("in%d-empty", i), func(in *fuzzInput) { in.args[n] = 0 })
	}
	for i, o := range spec.outs {
		add(fmt.Sprintf("out%d-at-end", i), func(in *fuzzInput) { in.args[o.param] = end - o.size })
		add(fmt.Sprintf("out%d-one-past", i), func(in *fuzzInput) { in.args[o.param] = end - o.size + 1 })
		add(fmt.Sprintf("out%d-none", i), func(in *fuzzInput) { in.args[o.param] = 0 })
	}
	if spec.fill {
		add("fill-one-past", func(in *fuzzInput) { in.args[0], in.args[1] = end-16, 17 })
		add("fill-over-bound", func(in *fuzzInput) { in.args[0], in.args[1] = 0, maxRandom+1 })
	}
	return out
}

// corpusFile is Go's fuzz corpus encoding of one input.
func corpusFile(in fuzzInput) []byte {
	var b bytes.Buffer
	b.WriteString("go test fuzz v1\n")
	fmt.Fprintf(&b, "uint8(%d)\nuint8(%d)\nuint8(%d)\n", in.fn, in.ph, in.flags)
	for _, a := range in.args {
		fmt.Fprintf(&b, "uint64(%d)\n", a)
	}
	fmt.Fprintf(&b, "[]byte(%q)\n", in.mem)
	return b.Bytes()
}

var fuzzTargets = map[string]string{"core": "FuzzHostCore", "request": "FuzzHostRequest", "headers": "FuzzHostHeaders",
	"body": "FuzzHostBody", "kv": "FuzzHostKV", "policy": "FuzzHostPolicy", "msg": "FuzzHostMsg"}

func TestFuzzSeedCorpus(t *testing.T) {
	for group, target := range fuzzTargets {
		dir := filepath.Join("testdata", "fuzz", target)
		if *updateFuzzSeeds {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		for fn, name := range fuzzGroups[group] {
			for _, s := range seedsFor(group, fn, name) {
				path := filepath.Join(dir, "seed-"+strings.ReplaceAll(s.name, "_", "-"))
				want := corpusFile(s.in)
				if *updateFuzzSeeds {
					if err := os.WriteFile(path, want, 0o644); err != nil {
						t.Fatal(err)
					}
					continue
				}
				if got, err := os.ReadFile(path); err != nil || !bytes.Equal(got, want) {
					t.Errorf("%s is missing or out of date (%v); run go test -run TestFuzzSeedCorpus -update-fuzz-seeds", path, err)
				}
			}
		}
	}
}
