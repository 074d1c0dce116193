package abi_test

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/hostd/hostd/abi"
)

// golden pins every exported constant of the package: its name, its Go type
// and its value. A failure here is an ABI change: update SPEC.md, decide on
// the version (SPEC.md, "Compatibility") and only then update this table.
var golden = []struct {
	name string
	got  any
	want string
}{
	{"Version", abi.Version, `int(1)`},
	{"ModuleName", abi.ModuleName, `string("hostd_v1")`},
	{"MarkerExport", abi.MarkerExport, `string("hostd_abi_v1")`},
	{"MemoryExport", abi.MemoryExport, `string("memory")`},
	{"InitializeExport", abi.InitializeExport, `string("_initialize")`},
	{"WASIModuleName", abi.WASIModuleName, `string("wasi_snapshot_preview1")`},

	{"ExportOnConfigure", abi.ExportOnConfigure, `string("on_configure")`},
	{"ExportOnRequest", abi.ExportOnRequest, `string("on_request")`},
	{"ExportOnResponse", abi.ExportOnResponse, `string("on_response")`},
	{"ExportOnMessage", abi.ExportOnMessage, `string("on_message")`},

	{"StatusOK", abi.StatusOK, `abi.Status(0)`},
	{"StatusNotFound", abi.StatusNotFound, `abi.Status(1)`},
	{"StatusConflict", abi.StatusConflict, `abi.Status(2)`},
	{"StatusInvalidArgument", abi.StatusInvalidArgument, `abi.Status(3)`},
	{"StatusTooLarge", abi.StatusTooLarge, `abi.Status(4)`},
	{"StatusDenied", abi.StatusDenied, `abi.Status(5)`},
	{"StatusUnavailable", abi.StatusUnavailable, `abi.Status(6)`},
	{"StatusTimeout", abi.StatusTimeout, `abi.Status(7)`},
	{"StatusUnsupported", abi.StatusUnsupported, `abi.Status(8)`},
	{"StatusInternal", abi.StatusInternal, `abi.Status(9)`},

	{"ActionContinue", abi.ActionContinue, `abi.Action(0)`},
	{"ActionRespond", abi.ActionRespond, `abi.Action(1)`},

	{"HeaderKindRequest", abi.HeaderKindRequest, `abi.HeaderKind(0)`},
	{"HeaderKindResponse", abi.HeaderKindResponse, `abi.HeaderKind(1)`},
	{"HeaderKindMessage", abi.HeaderKindMessage, `abi.HeaderKind(2)`},
	{"HeaderKindReply", abi.HeaderKindReply, `abi.HeaderKind(3)`},

	{"LogLevelDebug", abi.LogLevelDebug, `abi.LogLevel(-1)`},
	{"LogLevelInfo", abi.LogLevelInfo, `abi.LogLevel(0)`},
	{"LogLevelWarn", abi.LogLevelWarn, `abi.LogLevel(1)`},
	{"LogLevelError", abi.LogLevelError, `abi.LogLevel(2)`},

	{"FeatureKV", abi.FeatureKV, `abi.Features(1)`},
	{"FeatureBufferResponse", abi.FeatureBufferResponse, `abi.Features(2)`},
	{"FeatureJWT", abi.FeatureJWT, `abi.Features(4)`},
	{"FeatureRateLimit", abi.FeatureRateLimit, `abi.Features(8)`},
	{"FeatureBreaker", abi.FeatureBreaker, `abi.Features(16)`},
	{"FeatureMessaging", abi.FeatureMessaging, `abi.Features(32)`},
	{"FeatureAnyInstanceResponse", abi.FeatureAnyInstanceResponse, `abi.Features(64)`},
	{"FeatureSkipResponse", abi.FeatureSkipResponse, `abi.Features(128)`},

	{"FuncEnableFeatures", abi.FuncEnableFeatures, `string("enable_features")`},
	{"FuncGetConfig", abi.FuncGetConfig, `string("get_config")`},
	{"FuncLog", abi.FuncLog, `string("log")`},
	{"FuncLogEnabled", abi.FuncLogEnabled, `string("log_enabled")`},
	{"FuncNow", abi.FuncNow, `string("now")`},
	{"FuncRandom", abi.FuncRandom, `string("random")`},
	{"FuncGetMethod", abi.FuncGetMethod, `string("get_method")`},
	{"FuncGetPath", abi.FuncGetPath, `string("get_path")`},
	{"FuncSetPath", abi.FuncSetPath, `string("set_path")`},
	{"FuncGetQuery", abi.FuncGetQuery, `string("get_query")`},
	{"FuncSetQuery", abi.FuncSetQuery, `string("set_query")`},
	{"FuncGetRouteVar", abi.FuncGetRouteVar, `string("get_route_var")`},
	{"FuncGetRemoteAddr", abi.FuncGetRemoteAddr, `string("get_remote_addr")`},
	{"FuncGetRequestID", abi.FuncGetRequestID, `string("get_request_id")`},
	{"FuncSetRequestState", abi.FuncSetRequestState, `string("set_request_state")`},
	{"FuncGetRequestState", abi.FuncGetRequestState, `string("get_request_state")`},
	{"FuncGetHeader", abi.FuncGetHeader, `string("get_header")`},
	{"FuncGetHeaderValues", abi.FuncGetHeaderValues, `string("get_header_values")`},
	{"FuncGetHeaderNames", abi.FuncGetHeaderNames, `string("get_header_names")`},
	{"FuncSetHeader", abi.FuncSetHeader, `string("set_header")`},
	{"FuncAddHeader", abi.FuncAddHeader, `string("add_header")`},
	{"FuncRemoveHeader", abi.FuncRemoveHeader, `string("remove_header")`},
	{"FuncGetBody", abi.FuncGetBody, `string("get_body")`},
	{"FuncSetBody", abi.FuncSetBody, `string("set_body")`},
	{"FuncWriteBody", abi.FuncWriteBody, `string("write_body")`},
	{"FuncGetStatus", abi.FuncGetStatus, `string("get_status")`},
	{"FuncSetStatus", abi.FuncSetStatus, `string("set_status")`},
	{"FuncSendResponse", abi.FuncSendResponse, `string("send_response")`},
	{"FuncKVGet", abi.FuncKVGet, `string("kv_get")`},
	{"FuncKVPut", abi.FuncKVPut, `string("kv_put")`},
	{"FuncKVCAS", abi.FuncKVCAS, `string("kv_cas")`},
	{"FuncKVDelete", abi.FuncKVDelete, `string("kv_delete")`},
	{"FuncKVList", abi.FuncKVList, `string("kv_list")`},
	{"FuncJWTVerify", abi.FuncJWTVerify, `string("jwt_verify")`},
	{"FuncRateLimitTake", abi.FuncRateLimitTake, `string("ratelimit_take")`},
	{"FuncBreakerAllow", abi.FuncBreakerAllow, `string("breaker_allow")`},
	{"FuncBreakerReport", abi.FuncBreakerReport, `string("breaker_report")`},
	{"FuncMsgPublish", abi.FuncMsgPublish, `string("msg_publish")`},
	{"FuncMsgRequest", abi.FuncMsgRequest, `string("msg_request")`},
	{"FuncMsgRespond", abi.FuncMsgRespond, `string("msg_respond")`},
	{"FuncMsgGetSubject", abi.FuncMsgGetSubject, `string("msg_get_subject")`},
	{"FuncMsgGetReply", abi.FuncMsgGetReply, `string("msg_get_reply")`},
	{"FuncMsgDeliveryCount", abi.FuncMsgDeliveryCount, `string("msg_delivery_count")`},
	{"FuncMsgSettle", abi.FuncMsgSettle, `string("msg_settle")`},

	{"RateLimitTokenBucket", abi.RateLimitTokenBucket, `abi.RateLimitAlgorithm(0)`},
	{"RateLimitSlidingWindow", abi.RateLimitSlidingWindow, `abi.RateLimitAlgorithm(1)`},

	{"BreakerClosed", abi.BreakerClosed, `abi.BreakerState(0)`},
	{"BreakerOpen", abi.BreakerOpen, `abi.BreakerState(1)`},
	{"BreakerHalfOpen", abi.BreakerHalfOpen, `abi.BreakerState(2)`},

	{"DispositionAck", abi.DispositionAck, `abi.Disposition(0)`},
	{"DispositionNak", abi.DispositionNak, `abi.Disposition(1)`},
	{"DispositionTerm", abi.DispositionTerm, `abi.Disposition(2)`},
	{"DispositionInProgress", abi.DispositionInProgress, `abi.Disposition(3)`},

	{"BreakerConfigSize", abi.BreakerConfigSize, `int(32)`},
	{"BreakerOutSize", abi.BreakerOutSize, `int(16)`},
	{"RateLimitOutSize", abi.RateLimitOutSize, `int(32)`},

	{"I32", abi.I32, `abi.ValueType(127)`},
	{"I64", abi.I64, `abi.ValueType(126)`},

	{"MaxKVKeyLen", abi.MaxKVKeyLen, `int(1024)`},
	{"MaxKVListKeys", abi.MaxKVListKeys, `int(1000)`},
	{"MaxSubjectLen", abi.MaxSubjectLen, `int(256)`},
	{"MaxMessageBytes", abi.MaxMessageBytes, `int(1048576)`},
	{"MaxRequestStateLen", abi.MaxRequestStateLen, `int(256)`},
}

// goldenHostFunctions is abi.HostFunctions written out, in order.
var goldenHostFunctions = []string{
	"enable_features i64->i64",
	"get_config i32,i32->i32",
	"log i32,i32,i32->",
	"log_enabled i32->i32",
	"now ->i64",
	"random i32,i32->",

	"get_method i32,i32->i32",
	"get_path i32,i32->i32",
	"set_path i32,i32->i32",
	"get_query i32,i32->i32",
	"set_query i32,i32->i32",
	"get_route_var i32,i32,i32,i32->i64",
	"get_remote_addr i32,i32->i32",
	"get_request_id i32,i32->i32",
	"set_request_state i32,i32->i32",
	"get_request_state i32,i32->i32",

	"get_header i32,i32,i32,i32,i32->i64",
	"get_header_values i32,i32,i32,i32,i32->i64",
	"get_header_names i32,i32,i32->i64",
	"set_header i32,i32,i32,i32,i32->i32",
	"add_header i32,i32,i32,i32,i32->i32",
	"remove_header i32,i32,i32->i32",

	"get_body i32,i32,i32->i64",
	"set_body i32,i32,i32->i32",
	"write_body i32,i32,i32->i32",

	"get_status ->i32",
	"set_status i32->i32",
	"send_response i32,i32,i32->i32",

	"kv_get i32,i32,i32,i32,i32->i64",
	"kv_put i32,i32,i32,i32,i64,i32->i32",
	"kv_cas i32,i32,i32,i32,i64,i64,i32->i32",
	"kv_delete i32,i32->i32",
	"kv_list i32,i32,i32,i32,i32,i32,i32->i64",

	"jwt_verify i32,i32,i32,i32,i32,i32,i32,i32->i64",
	"ratelimit_take i32,i32,i64,i64,i64,i64,i32,i32->i32",
	"breaker_allow i32,i32,i32,i32->i32",
	"breaker_report i32,i32,i32,i32,i64->i32",
	"msg_publish i32,i32,i32,i32,i32,i32->i32",
	"msg_request i32,i32,i32,i32,i32,i32,i64->i32",
	"msg_respond i32,i32,i32,i32->i32",
	"msg_get_subject i32,i32->i32",
	"msg_get_reply i32,i32->i32",
	"msg_delivery_count ->i64",
	"msg_settle i32,i64->i32",
}

// goldenGuestExports is abi.GuestExports written out, in order.
var goldenGuestExports = []string{
	"hostd_abi_v1 ->",
	"on_configure ->i32",
	"on_request ->i32",
	"on_response ->i32",
	"on_message ->i32",
}

// literal renders a constant as type(value), e.g. abi.Status(3).
func literal(v any) string {
	rv := reflect.ValueOf(v)
	var s string
	switch rv.Kind() {
	case reflect.String:
		s = strconv.Quote(rv.String())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		s = strconv.FormatInt(rv.Int(), 10)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		s = strconv.FormatUint(rv.Uint(), 10)
	default:
		s = fmt.Sprintf("unexpected kind %s", rv.Kind())
	}
	return rv.Type().String() + "(" + s + ")"
}

func types(ts []abi.ValueType) string {
	s := make([]string, len(ts))
	for i, t := range ts {
		s[i] = t.String()
	}
	return strings.Join(s, ",")
}

// sigString renders a Signature as "name params->results".
func sigString(s abi.Signature) string {
	return s.Name + " " + types(s.Params) + "->" + types(s.Results)
}

func TestGoldenConstants(t *testing.T) {
	for _, g := range golden {
		if got := literal(g.got); got != g.want {
			t.Errorf("%s = %s, golden %s", g.name, got, g.want)
		}
	}
}

// TestGoldenCoversEveryConstant fails when an exported constant is added
// (or removed) without updating the golden table.
func TestGoldenCoversEveryConstant(t *testing.T) {
	inGolden := map[string]bool{}
	for _, g := range golden {
		if inGolden[g.name] {
			t.Errorf("golden lists %s twice", g.name)
		}
		inGolden[g.name] = true
	}
	consts := exportedConsts(t)
	for name := range consts {
		if !inGolden[name] {
			t.Errorf("exported constant %s is not in the golden table", name)
		}
	}
	for name := range inGolden {
		if _, ok := consts[name]; !ok {
			t.Errorf("golden lists %s, which the package does not declare", name)
		}
	}
}

func TestGoldenSignatures(t *testing.T) {
	compare := func(what string, got []abi.Signature, want []string) {
		t.Helper()
		if len(got) != len(want) {
			t.Errorf("%s has %d entries, golden %d", what, len(got), len(want))
		}
		for i := 0; i < len(got) && i < len(want); i++ {
			if s := sigString(got[i]); s != want[i] {
				t.Errorf("%s[%d] = %q, golden %q", what, i, s, want[i])
			}
		}
	}
	compare("HostFunctions", abi.HostFunctions, goldenHostFunctions)
	compare("GuestExports", abi.GuestExports, goldenGuestExports)
}

// TestEveryNameListedOnce checks that every Func* constant is in
// HostFunctions exactly once and HostFunctions lists nothing else, and the
// same for the guest exports.
func TestEveryNameListedOnce(t *testing.T) {
	consts := exportedConsts(t)
	check := func(what string, sigs []abi.Signature, want func(name string) bool) {
		t.Helper()
		count := map[string]int{}
		for _, s := range sigs {
			count[s.Name]++
		}
		wanted := map[string]bool{}
		for name, value := range consts {
			if want(name) {
				wanted[value] = true
				if count[value] != 1 {
					t.Errorf("%s (%q) appears %d times in %s, want 1", name, value, count[value], what)
				}
			}
		}
		for name, n := range count {
			if !wanted[name] {
				t.Errorf("%s lists %q (%d times), which has no constant", what, name, n)
			}
		}
	}
	check("HostFunctions", abi.HostFunctions, func(n string) bool { return strings.HasPrefix(n, "Func") })
	check("GuestExports", abi.GuestExports, func(n string) bool {
		return strings.HasPrefix(n, "Export") || n == "MarkerExport"
	})
}

// exportedConsts parses the package source and returns every exported
// constant with its value when that value is a string literal ("" else).
func exportedConsts(t *testing.T) map[string]string {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, decl := range f.Decls {
			gd, ok := decl.(*ast.GenDecl)
			if !ok || gd.Tok != token.CONST {
				continue
			}
			for _, spec := range gd.Specs {
				vs := spec.(*ast.ValueSpec)
				for i, id := range vs.Names {
					if !id.IsExported() {
						continue
					}
					out[id.Name] = ""
					if i < len(vs.Values) {
						if lit, ok := vs.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
							out[id.Name], _ = strconv.Unquote(lit.Value)
						}
					}
				}
			}
		}
	}
	if len(out) == 0 {
		t.Fatal("found no exported constants")
	}
	return out
}

func TestStatusString(t *testing.T) {
	seen := map[string]abi.Status{}
	for s := abi.StatusOK; s <= abi.StatusInternal; s++ {
		name := s.String()
		if name == "" || strings.Trim(name, "abcdefghijklmnopqrstuvwxyz_") != "" {
			t.Errorf("Status(%d).String() = %q, want a snake_case name", s, name)
		}
		if prev, dup := seen[name]; dup {
			t.Errorf("Status %d and %d are both %q", prev, s, name)
		}
		seen[name] = s
	}
	if got := abi.Status(10).String(); got != "status(10)" {
		t.Errorf("Status(10).String() = %q", got)
	}
}

func TestEnumStrings(t *testing.T) {
	for _, tc := range []struct {
		got  fmt.Stringer
		want string
	}{
		{abi.StatusOK, "ok"},
		{abi.StatusInvalidArgument, "invalid_argument"},
		{abi.StatusInternal, "internal"},
		{abi.ActionContinue, "continue"},
		{abi.ActionRespond, "respond"},
		{abi.Action(2), "action(2)"},
		{abi.HeaderKindRequest, "request"},
		{abi.HeaderKindResponse, "response"},
		{abi.HeaderKindMessage, "message"},
		{abi.HeaderKindReply, "reply"},
		{abi.HeaderKind(7), "kind(7)"},
		{abi.DispositionAck, "ack"},
		{abi.DispositionNak, "nak"},
		{abi.DispositionTerm, "term"},
		{abi.DispositionInProgress, "in_progress"},
		{abi.Disposition(4), "disposition(4)"},
		{abi.LogLevelDebug, "debug"},
		{abi.LogLevelInfo, "info"},
		{abi.LogLevelWarn, "warn"},
		{abi.LogLevelError, "error"},
		{abi.LogLevel(-2), "level(-2)"},
		{abi.I32, "i32"},
		{abi.I64, "i64"},
		{abi.RateLimitTokenBucket, "token_bucket"},
		{abi.RateLimitSlidingWindow, "sliding_window"},
		{abi.RateLimitAlgorithm(2), "algorithm(2)"},
		{abi.BreakerClosed, "closed"},
		{abi.BreakerOpen, "open"},
		{abi.BreakerHalfOpen, "half_open"},
		{abi.BreakerState(3), "state(3)"},
	} {
		if s := tc.got.String(); s != tc.want {
			t.Errorf("%#v.String() = %q, want %q", tc.got, s, tc.want)
		}
	}
}

// featureNames pins the names Features.String uses.
var featureNames = map[string]abi.Features{
	"kv":                    abi.FeatureKV,
	"buffer_response":       abi.FeatureBufferResponse,
	"jwt":                   abi.FeatureJWT,
	"rate_limit":            abi.FeatureRateLimit,
	"breaker":               abi.FeatureBreaker,
	"messaging":             abi.FeatureMessaging,
	"any_instance_response": abi.FeatureAnyInstanceResponse,
	"skip_response":         abi.FeatureSkipResponse,
}

func parseFeatures(t *testing.T, s string) abi.Features {
	t.Helper()
	var f abi.Features
	if s == "" {
		return 0
	}
	for _, name := range strings.Split(s, "|") {
		bit, ok := featureNames[name]
		if !ok {
			t.Fatalf("unknown feature name %q in %q", name, s)
		}
		f |= bit
	}
	return f
}

// TestFeaturesStringRoundTrip checks every combination of the known bits.
func TestFeaturesStringRoundTrip(t *testing.T) {
	var all abi.Features
	for _, bit := range featureNames {
		all |= bit
	}
	if all != 1<<len(featureNames)-1 {
		t.Fatalf("feature bits are not contiguous from bit 0: %b", all)
	}
	for f := abi.Features(0); f <= all; f++ {
		s := f.String()
		if got := parseFeatures(t, s); got != f {
			t.Errorf("Features(%d).String() = %q, which parses as %d", f, s, got)
		}
		// Unknown bits are not named.
		if got := (f | 1<<40).String(); got != s {
			t.Errorf("Features(%d|1<<40).String() = %q, want %q", f, got, s)
		}
	}
	if got := (abi.FeatureKV | abi.FeatureMessaging).String(); got != "kv|messaging" {
		t.Errorf("String() = %q, want names in bit order", got)
	}
}

func TestFeaturesEnabled(t *testing.T) {
	f := abi.Features(0).WithEnabled(abi.FeatureKV)
	if !f.IsEnabled(abi.FeatureKV) || f.IsEnabled(abi.FeatureBufferResponse) {
		t.Fatalf("WithEnabled(kv) = %v", f)
	}
	f = f.WithEnabled(abi.FeatureBufferResponse)
	if !f.IsEnabled(abi.FeatureKV | abi.FeatureBufferResponse) {
		t.Errorf("IsEnabled(kv|buffer_response) on %v = false", f)
	}
	if f.IsEnabled(abi.FeatureKV | abi.FeatureJWT) {
		t.Errorf("IsEnabled(kv|jwt) on %v = true, want every bit required", f)
	}
	if !f.IsEnabled(0) {
		t.Error("IsEnabled(0) = false, want true (the empty set)")
	}
}

func TestSignatureTypesAreWasmEncodings(t *testing.T) {
	// The host passes these bytes to the Wasm runtime as value types.
	if abi.I32 != 0x7f || abi.I64 != 0x7e {
		t.Fatalf("I32, I64 = %#x, %#x; want the binary-format codes 0x7f, 0x7e", abi.I32, abi.I64)
	}
	for _, s := range abi.HostFunctions {
		for _, v := range append(append([]abi.ValueType{}, s.Params...), s.Results...) {
			if v != abi.I32 && v != abi.I64 {
				t.Errorf("%s uses value type %#x", s.Name, byte(v))
			}
		}
		if len(s.Results) > 1 {
			t.Errorf("%s has %d results; v1 functions have at most one", s.Name, len(s.Results))
		}
	}
}
