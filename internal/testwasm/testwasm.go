// Package testwasm holds tiny WebAssembly guests for the host's tests, one
// behaviour each. Every testdata/NAME.wasm is generated from
// testdata/NAME.wat by gen.sh (wabt 1.0.32, wat2wasm --debug-names) and
// committed; CI runs check.sh (gen.sh --check) so that the binaries cannot
// drift from their sources. Each .wat says what its fixture tests.
package testwasm

import (
	"embed"
	"fmt"
)

//go:embed testdata/*.wasm
var files embed.FS

// Get returns the fixture NAME (testdata/NAME.wasm); it panics if there is
// none, which is a bug in the calling test. Callers must not modify the
// returned slice.
func Get(name string) []byte {
	b, err := files.ReadFile("testdata/" + name + ".wasm")
	if err != nil {
		panic(fmt.Sprintf("testwasm: no fixture %q", name))
	}
	return b
}

// The fixtures. Each is shared: tests must not modify it.
var (
	// Hello is a handler answering 200 "hello from wat". Generated from
	// testdata/hello.wat by gen.sh.
	Hello = Get("hello")

	// Echo is a handler answering "METHOD PATH?QUERY name=VAR x-test=HEADER"
	// (text/plain), built from the request getters with write_body. Generated
	// from testdata/echo.wat by gen.sh.
	Echo = Get("echo")

	// AddHeader is a filter: request header X-Added: yes and response header
	// X-Filter: seen in on_request (continues), X-Response-Phase: yes in
	// on_response. Generated from testdata/addheader.wat by gen.sh.
	AddHeader = Get("addheader")

	// Deny is a filter that answers 403 "denied" and ends the chain. Generated
	// from testdata/deny.wat by gen.sh.
	Deny = Get("deny")

	// Trap: on_request executes unreachable. Generated from testdata/trap.wat by
	// gen.sh.
	Trap = Get("trap")

	// Loop: on_request never returns. Generated from testdata/loop.wat by
	// gen.sh.
	Loop = Get("loop")

	// MemBomb: on_request grows memory to the host's limit, then traps.
	// Generated from testdata/membomb.wat by gen.sh.
	MemBomb = Get("membomb")

	// MemBombStatic: declares 20000 initial memory pages; must be refused at
	// upload. Generated from testdata/membomb_static.wat by gen.sh.
	MemBombStatic = Get("membomb_static")

	// NoMarker: hello without the hostd_abi_v1 marker; must be refused.
	// Generated from testdata/nomarker.wat by gen.sh.
	NoMarker = Get("nomarker")

	// BadImport: imports env.abort; must be refused. Generated from
	// testdata/badimport.wat by gen.sh.
	BadImport = Get("badimport")

	// BadSig: imports get_path with the wrong type; must be refused. Generated
	// from testdata/badsig.wat by gen.sh.
	BadSig = Get("badsig")

	// Asyncify: hello plus the asyncify_* exports of a TinyGo module built
	// with the default (asyncify) scheduler; must be refused at upload with
	// unsupported_scheduler. Generated from testdata/asyncify.wat by gen.sh.
	Asyncify = Get("asyncify")

	// ConfigureReject: on_configure accepts only an empty or "{}" config (else
	// invalid_argument); on_request answers 200 "configured". Generated from
	// testdata/configure_reject.wat by gen.sh.
	ConfigureReject = Get("configure_reject")

	// ConfigEcho: answers 200 with its raw configuration bytes. Generated from
	// testdata/config_echo.wat by gen.sh.
	ConfigEcho = Get("config_echo")

	// KV: increments KV key "n" (kv_get, kv_cas, retry on conflict) and answers
	// 200 with the new count in decimal. Generated from testdata/kv.wat by
	// gen.sh.
	KV = Get("kv")

	// OnResponseTrap is a filter that continues, then traps in on_response.
	// Generated from testdata/on_response_trap.wat by gen.sh.
	OnResponseTrap = Get("on_response_trap")

	// SlowConfigure: on_configure never returns. Generated from
	// testdata/slow_configure.wat by gen.sh.
	SlowConfigure = Get("slow_configure")

	// HostCall: for benchmarks: exports noop() and call_now(n) (n calls of now);
	// on_request answers 200. Generated from testdata/hostcall.wat by gen.sh.
	HostCall = Get("hostcall")

	// Slow: on_request busy-waits 300 ms, then answers 200 "slow". Generated
	// from testdata/slow.wat by gen.sh.
	Slow = Get("slow")

	// RateLimit: takes a token from rate-limit bucket "b"; 200 or 429 with the
	// out struct. Generated from testdata/ratelimit.wat by gen.sh.
	RateLimit = Get("ratelimit")

	// Breaker: drives circuit breaker "br" from the query string. Generated from
	// testdata/breaker.wat by gen.sh.
	Breaker = Get("breaker")

	// JWT: verifies the X-Token header against key set "ks". Generated from
	// testdata/jwt.wat by gen.sh.
	JWT = Get("jwt")

	// JWTCache: verifies the X-Token header against key set "ks" under the
	// policy in the X-Policy header. Generated from testdata/jwtcache.wat by
	// gen.sh.
	JWTCache = Get("jwtcache")

	// CallTree: on_request runs a loop-free tree of 2^40 calls. Generated
	// from testdata/calltree.wat by gen.sh.
	CallTree = Get("calltree")

	// CallTreeInit: the call tree in _initialize. Generated from
	// testdata/calltree_init.wat by gen.sh.
	CallTreeInit = Get("calltree_init")

	// CallTreeStart: the call tree as the start function. Generated from
	// testdata/calltree_start.wat by gen.sh.
	CallTreeStart = Get("calltree_start")

	// Recurse: on_request recurses without end with eight live locals per
	// frame. Generated from testdata/recurse.wat by gen.sh.
	Recurse = Get("recurse")

	// TableGrow: on_request grows a table declared with a maximum of 16 by
	// 2^32-1 elements, then traps. Generated from testdata/tablegrow.wat by
	// gen.sh.
	TableGrow = Get("tablegrow")

	// TableGrowNoMax: a table without a maximum in a module that uses
	// table.grow; refused at load. Generated from
	// testdata/tablegrow_nomax.wat by gen.sh.
	TableGrowNoMax = Get("tablegrow_nomax")

	// KVFill: writes 32 KiB values under new keys with kv_put until refused,
	// then tries kv_cas on a new key; answers "put=S cas=C n=N". Generated
	// from testdata/kvfill.wat by gen.sh.
	KVFill = Get("kvfill")

	// BodyEcho: a handler answering 200 with the request body (get_body),
	// or 500 with '0'+status when get_body fails. Generated from
	// testdata/bodyecho.wat by gen.sh.
	BodyEcho = Get("bodyecho")

	// Pass: a filter whose on_request continues; no on_response. Generated
	// from testdata/pass.wat by gen.sh.
	Pass = Get("pass")

	// ReqState: a filter with any_instance_response that keeps "kept" with
	// set_request_state in on_request (trapping if it finds state already)
	// and adds it as response header X-State in on_response. Generated from
	// testdata/reqstate.wat by gen.sh.
	ReqState = Get("reqstate")
)
