package abi

// Host functions of ABI v1, imported from ModuleName. Each constant's doc is
// a summary; SPEC.md holds the normative entry (parameters, results, when it
// may be called, when it traps, an example). Pointers and lengths are i32
// offsets into the guest's exported memory; "buf_limit protocol" means the
// host writes the value only if it fits in buf_limit bytes and always returns
// the length it needs.
const (
	// FuncEnableFeatures asks for the features in the argument and returns
	// every feature now enabled for this instance (enabled bits stay set).
	//	(func (param $features i64) (result i64))
	FuncEnableFeatures = "enable_features"
	// FuncGetConfig writes the plugin binding's configuration (JSON bytes,
	// "{}" when none was given) using the buf_limit protocol.
	//	(func (param $buf i32) (param $buf_limit i32) (result i32))
	FuncGetConfig = "get_config"
	// FuncLog writes a log line at a LogLevel through the host's logger,
	// tagged with the plugin's name and version.
	//	(func (param $level i32) (param $msg i32) (param $msg_len i32))
	FuncLog = "log"
	// FuncLogEnabled returns 1 if a line at the level would be written.
	//	(func (param $level i32) (result i32))
	FuncLogEnabled = "log_enabled"
	// FuncNow returns the host's wall clock in nanoseconds since the Unix
	// epoch.
	//	(func (result i64))
	FuncNow = "now"
	// FuncRandom fills buf with len bytes from a cryptographic source.
	//	(func (param $buf i32) (param $len i32))
	FuncRandom = "random"

	// FuncGetMethod writes the request method (buf_limit protocol).
	//	(func (param $buf i32) (param $buf_limit i32) (result i32))
	FuncGetMethod = "get_method"
	// FuncGetPath writes the escaped request path (buf_limit protocol).
	//	(func (param $buf i32) (param $buf_limit i32) (result i32))
	FuncGetPath = "get_path"
	// FuncSetPath replaces the path sent to the target (escaped form).
	//	(func (param $path i32) (param $path_len i32) (result i32))
	FuncSetPath = "set_path"
	// FuncGetQuery writes the raw query, without "?" (buf_limit protocol).
	//	(func (param $buf i32) (param $buf_limit i32) (result i32))
	FuncGetQuery = "get_query"
	// FuncSetQuery replaces the raw query sent to the target.
	//	(func (param $query i32) (param $query_len i32) (result i32))
	FuncSetQuery = "set_query"
	// FuncGetRouteVar writes the value of a route variable; returns FoundLen.
	//	(func (param $name i32) (param $name_len i32) (param $buf i32) (param $buf_limit i32) (result i64))
	FuncGetRouteVar = "get_route_var"
	// FuncGetRemoteAddr writes the client's "ip:port" (buf_limit protocol).
	//	(func (param $buf i32) (param $buf_limit i32) (result i32))
	FuncGetRemoteAddr = "get_remote_addr"
	// FuncGetRequestID writes the request ID (buf_limit protocol).
	//	(func (param $buf i32) (param $buf_limit i32) (result i32))
	FuncGetRequestID = "get_request_id"
	// FuncSetRequestState keeps up to MaxRequestStateLen bytes for this
	// plugin's on_response of the same request, whichever instance runs it.
	//	(func (param $state i32) (param $state_len i32) (result i32))
	FuncSetRequestState = "set_request_state"
	// FuncGetRequestState writes the bytes set_request_state kept for this
	// plugin and request (buf_limit protocol); 0 when none.
	//	(func (param $buf i32) (param $buf_limit i32) (result i32))
	FuncGetRequestState = "get_request_state"

	// FuncGetHeader writes the first value of a header; returns FoundLen.
	//	(func (param $kind i32) (param $name i32) (param $name_len i32) (param $buf i32) (param $buf_limit i32) (result i64))
	FuncGetHeader = "get_header"
	// FuncGetHeaderValues writes every value of a header, each followed by
	// a NUL byte; returns CountLen.
	//	(func (param $kind i32) (param $name i32) (param $name_len i32) (param $buf i32) (param $buf_limit i32) (result i64))
	FuncGetHeaderValues = "get_header_values"
	// FuncGetHeaderNames writes every header name (canonical form), each
	// followed by a NUL byte, sorted; returns CountLen.
	//	(func (param $kind i32) (param $buf i32) (param $buf_limit i32) (result i64))
	FuncGetHeaderNames = "get_header_names"
	// FuncSetHeader replaces all values of a header with one value.
	//	(func (param $kind i32) (param $name i32) (param $name_len i32) (param $value i32) (param $value_len i32) (result i32))
	FuncSetHeader = "set_header"
	// FuncAddHeader appends a value to a header.
	//	(func (param $kind i32) (param $name i32) (param $name_len i32) (param $value i32) (param $value_len i32) (result i32))
	FuncAddHeader = "add_header"
	// FuncRemoveHeader removes a header.
	//	(func (param $kind i32) (param $name i32) (param $name_len i32) (result i32))
	FuncRemoveHeader = "remove_header"

	// FuncGetBody writes the whole request or response body; returns
	// StatusLen (StatusTooLarge when the body is over the host limit).
	//	(func (param $kind i32) (param $buf i32) (param $buf_limit i32) (result i64))
	FuncGetBody = "get_body"
	// FuncSetBody replaces the request or response body.
	//	(func (param $kind i32) (param $body i32) (param $body_len i32) (result i32))
	FuncSetBody = "set_body"
	// FuncWriteBody appends to the request or response body.
	//	(func (param $kind i32) (param $body i32) (param $body_len i32) (result i32))
	FuncWriteBody = "write_body"

	// FuncGetStatus returns the response status code (200 until set).
	//	(func (result i32))
	FuncGetStatus = "get_status"
	// FuncSetStatus sets the response status code (200..599; 1xx is not a final status, 600+ has no class).
	//	(func (param $status i32) (result i32))
	FuncSetStatus = "set_status"
	// FuncSendResponse sets the status and replaces the body, and ends the
	// chain after the current on_request whatever it returns.
	//	(func (param $status i32) (param $body i32) (param $body_len i32) (result i32))
	FuncSendResponse = "send_response"

	// FuncKVGet reads a key of the plugin's KV namespace; returns StatusLen
	// (StatusNotFound when absent or expired, StatusDenied or
	// StatusUnavailable when the store cannot answer) and, on StatusOK with
	// $rev not 0, writes the entry's revision there (u64 LE).
	//	(func (param $key i32) (param $key_len i32) (param $buf i32) (param $buf_limit i32) (param $rev i32) (result i64))
	FuncKVGet = "kv_get"
	// FuncKVPut writes a key unconditionally; $ttl_ms > 0 sets an expiry.
	// When $rev is not 0 the new revision is written there.
	//	(func (param $key i32) (param $key_len i32) (param $value i32) (param $value_len i32) (param $ttl_ms i64) (param $rev i32) (result i32))
	FuncKVPut = "kv_put"
	// FuncKVCAS writes a key only if its revision is $expected (0: only if
	// absent); StatusConflict otherwise.
	//	(func (param $key i32) (param $key_len i32) (param $value i32) (param $value_len i32) (param $ttl_ms i64) (param $expected i64) (param $rev i32) (result i32))
	FuncKVCAS = "kv_cas"
	// FuncKVDelete removes a key; StatusNotFound if it was absent.
	//	(func (param $key i32) (param $key_len i32) (result i32))
	FuncKVDelete = "kv_delete"
	// FuncKVList writes up to $max keys that start with the prefix and sort
	// after $after, each as a u32 LE length and the key bytes; returns
	// StatusLen (an empty page is StatusOK with length 0).
	//	(func (param $prefix i32) (param $prefix_len i32) (param $after i32) (param $after_len i32) (param $max i32) (param $buf i32) (param $buf_limit i32) (result i64))
	FuncKVList = "kv_list"

	// FuncJWTVerify verifies a JWT against a host key set (the keys never
	// enter guest memory) under a policy (JSON: issuer, audience,
	// algorithms, leeway_ms); returns StatusLen: on StatusOK the verified
	// claims (JSON object) are written, on StatusDenied a short reason.
	//	(func (param $keyset i32) (param $keyset_len i32) (param $token i32) (param $token_len i32) (param $policy i32) (param $policy_len i32) (param $buf i32) (param $buf_limit i32) (result i64))
	FuncJWTVerify = "jwt_verify"
	// FuncRateLimitTake takes $cost tokens from a named host bucket of
	// $rate per $period_ms with $burst; StatusOK when allowed, StatusDenied
	// when limited. When $out is not 0 it receives limit, remaining,
	// reset_ms and retry_after_ms as four u64 LE.
	//	(func (param $name i32) (param $name_len i32) (param $rate i64) (param $period_ms i64) (param $burst i64) (param $cost i64) (param $algorithm i32) (param $out i32) (result i32))
	FuncRateLimitTake = "ratelimit_take"
	// FuncBreakerAllow asks a named host circuit breaker (configured by the
	// 32-byte BreakerConfig at $config) whether a call may go ahead:
	// StatusOK, or StatusUnavailable while open. When $out is not 0 it
	// receives the state (u32), 4 bytes of padding and retry_after_ms (u64).
	//	(func (param $name i32) (param $name_len i32) (param $config i32) (param $out i32) (result i32))
	FuncBreakerAllow = "breaker_allow"
	// FuncBreakerReport reports the outcome of a call that breaker_allow
	// admitted and returns the breaker's BreakerState after it.
	//	(func (param $name i32) (param $name_len i32) (param $config i32) (param $success i32) (param $latency_ms i64) (result i32))
	FuncBreakerReport = "breaker_report"

	// FuncMsgPublish publishes a message (core NATS, at most once) on a
	// subject the binding's grants allow for publishing; $headers is a
	// length-prefixed list of alternating names and values. Returns a
	// Status (StatusDenied when not granted).
	//	(func (param $subject i32) (param $subject_len i32) (param $headers i32) (param $headers_len i32) (param $data i32) (param $data_len i32) (result i32))
	FuncMsgPublish = "msg_publish"
	// FuncMsgRequest sends a request on a subject the binding's grants allow
	// for requests and waits up to $timeout_ms for the first reply, which
	// the guest then reads with HeaderKindReply. Returns a Status
	// (StatusNotFound: no responders, StatusTimeout: no reply in time).
	//	(func (param $subject i32) (param $subject_len i32) (param $headers i32) (param $headers_len i32) (param $data i32) (param $data_len i32) (param $timeout_ms i64) (result i32))
	FuncMsgRequest = "msg_request"
	// FuncMsgRespond replies to the message being handled, on its reply
	// subject (no grant needed). StatusNotFound when it has none.
	//	(func (param $headers i32) (param $headers_len i32) (param $data i32) (param $data_len i32) (result i32))
	FuncMsgRespond = "msg_respond"
	// FuncMsgGetSubject writes the subject of the message being handled
	// (buf_limit protocol).
	//	(func (param $buf i32) (param $buf_limit i32) (result i32))
	FuncMsgGetSubject = "msg_get_subject"
	// FuncMsgGetReply writes the reply subject of the message being handled
	// (buf_limit protocol; length 0 when it has none).
	//	(func (param $buf i32) (param $buf_limit i32) (result i32))
	FuncMsgGetReply = "msg_get_reply"
	// FuncMsgDeliveryCount returns how many times the message being handled
	// has been delivered, 1 on the first delivery.
	//	(func (result i64))
	FuncMsgDeliveryCount = "msg_delivery_count"
	// FuncMsgSettle settles the message being handled with a Disposition
	// (ack, nak after $delay_ms, term, in_progress). Returns a Status.
	//	(func (param $disposition i32) (param $delay_ms i64) (result i32))
	FuncMsgSettle = "msg_settle"
)

// ValueType is a WebAssembly core value type, encoded as in the binary
// format.
type ValueType byte

const (
	// I32 is the 32-bit integer type.
	I32 ValueType = 0x7f
	// I64 is the 64-bit integer type.
	I64 ValueType = 0x7e
)

// String returns "i32" or "i64".
func (t ValueType) String() string {
	if t == I64 {
		return "i64"
	}
	return "i32"
}

// Signature is the WebAssembly type of a host function or guest export.
type Signature struct {
	Name    string
	Params  []ValueType
	Results []ValueType
}

func sig(name string, results []ValueType, params ...ValueType) Signature {
	return Signature{Name: name, Params: params, Results: results}
}

var (
	none = []ValueType(nil)
	ri32 = []ValueType{I32}
	ri64 = []ValueType{I64}
)

// HostFunctions lists every host function of ModuleName with its type, in
// SPEC.md order. The host defines exactly these; a guest may import any
// subset.
var HostFunctions = []Signature{
	sig(FuncEnableFeatures, ri64, I64),
	sig(FuncGetConfig, ri32, I32, I32),
	sig(FuncLog, none, I32, I32, I32),
	sig(FuncLogEnabled, ri32, I32),
	sig(FuncNow, ri64),
	sig(FuncRandom, none, I32, I32),

	sig(FuncGetMethod, ri32, I32, I32),
	sig(FuncGetPath, ri32, I32, I32),
	sig(FuncSetPath, ri32, I32, I32),
	sig(FuncGetQuery, ri32, I32, I32),
	sig(FuncSetQuery, ri32, I32, I32),
	sig(FuncGetRouteVar, ri64, I32, I32, I32, I32),
	sig(FuncGetRemoteAddr, ri32, I32, I32),
	sig(FuncGetRequestID, ri32, I32, I32),
	sig(FuncSetRequestState, ri32, I32, I32),
	sig(FuncGetRequestState, ri32, I32, I32),

	sig(FuncGetHeader, ri64, I32, I32, I32, I32, I32),
	sig(FuncGetHeaderValues, ri64, I32, I32, I32, I32, I32),
	sig(FuncGetHeaderNames, ri64, I32, I32, I32),
	sig(FuncSetHeader, ri32, I32, I32, I32, I32, I32),
	sig(FuncAddHeader, ri32, I32, I32, I32, I32, I32),
	sig(FuncRemoveHeader, ri32, I32, I32, I32),

	sig(FuncGetBody, ri64, I32, I32, I32),
	sig(FuncSetBody, ri32, I32, I32, I32),
	sig(FuncWriteBody, ri32, I32, I32, I32),

	sig(FuncGetStatus, ri32),
	sig(FuncSetStatus, ri32, I32),
	sig(FuncSendResponse, ri32, I32, I32, I32),

	sig(FuncKVGet, ri64, I32, I32, I32, I32, I32),
	sig(FuncKVPut, ri32, I32, I32, I32, I32, I64, I32),
	sig(FuncKVCAS, ri32, I32, I32, I32, I32, I64, I64, I32),
	sig(FuncKVDelete, ri32, I32, I32),
	sig(FuncKVList, ri64, I32, I32, I32, I32, I32, I32, I32),

	sig(FuncJWTVerify, ri64, I32, I32, I32, I32, I32, I32, I32, I32),
	sig(FuncRateLimitTake, ri32, I32, I32, I64, I64, I64, I64, I32, I32),
	sig(FuncBreakerAllow, ri32, I32, I32, I32, I32),
	sig(FuncBreakerReport, ri32, I32, I32, I32, I32, I64),

	sig(FuncMsgPublish, ri32, I32, I32, I32, I32, I32, I32),
	sig(FuncMsgRequest, ri32, I32, I32, I32, I32, I32, I32, I64),
	sig(FuncMsgRespond, ri32, I32, I32, I32, I32),
	sig(FuncMsgGetSubject, ri32, I32, I32),
	sig(FuncMsgGetReply, ri32, I32, I32),
	sig(FuncMsgDeliveryCount, ri64),
	sig(FuncMsgSettle, ri32, I32, I64),
}

// GuestExports lists the function exports a v1 guest may have, with their
// required types. Only MarkerExport and ExportOnRequest are required.
var GuestExports = []Signature{
	sig(MarkerExport, none),
	sig(ExportOnConfigure, ri32),
	sig(ExportOnRequest, ri32),
	sig(ExportOnResponse, ri32),
	sig(ExportOnMessage, ri32),
}

// Limits the host applies to arguments. They are part of the contract: a
// guest may rely on values up to these sizes being accepted.
const (
	// MaxKVKeyLen is the longest KV key in bytes; longer → StatusTooLarge.
	MaxKVKeyLen = 1024
	// MaxKVListKeys is the largest $max kv_list honours; larger is clamped.
	MaxKVListKeys = 1000
	// MaxSubjectLen is the longest NATS subject msg_publish and
	// msg_request accept; longer → StatusInvalidArgument.
	MaxSubjectLen = 256
	// MaxMessageBytes is the largest message payload (data plus encoded
	// headers) msg_publish, msg_request and msg_respond accept; larger →
	// StatusTooLarge.
	MaxMessageBytes = 1 << 20
	// MaxRequestStateLen is the most set_request_state keeps; longer →
	// StatusTooLarge.
	MaxRequestStateLen = 256
)
