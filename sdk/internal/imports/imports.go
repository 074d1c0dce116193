// Package imports is the SDK's only door to the host. It declares one Go
// function per hostd_v1 host function, with the same signature for every
// build:
//
//   - under GOARCH=wasm (imports_wasm.go) each function calls the real
//     //go:wasmimport declaration;
//   - otherwise (imports_stub.go) each function forwards to a Host installed
//     with SetHost, which is how sdktest runs plugin code under plain go test.
//
// Buffers follow the buf_limit protocol of the ABI: a function that returns
// bytes writes into buf only when the value fits in len(buf) and always
// returns the length it needs. Byte arguments are only read; callers may
// pass slices that alias strings.
package imports

import "github.com/hostd/hostd/abi"

// Host is the Go-level shape of the hostd_v1 import module. Every package
// function of this package forwards to the method of the same name.
type Host interface {
	EnableFeatures(want abi.Features) abi.Features
	GetConfig(buf []byte) uint32
	Log(level abi.LogLevel, msg []byte)
	LogEnabled(level abi.LogLevel) bool
	Now() int64
	Random(buf []byte)

	GetMethod(buf []byte) uint32
	GetPath(buf []byte) uint32
	SetPath(path []byte) abi.Status
	GetQuery(buf []byte) uint32
	SetQuery(query []byte) abi.Status
	GetRouteVar(name, buf []byte) (found bool, n uint32)
	GetRemoteAddr(buf []byte) uint32
	GetRequestID(buf []byte) uint32
	SetRequestState(state []byte) abi.Status
	GetRequestState(buf []byte) uint32

	GetHeader(kind abi.HeaderKind, name, buf []byte) (found bool, n uint32)
	GetHeaderValues(kind abi.HeaderKind, name, buf []byte) (count, n uint32)
	GetHeaderNames(kind abi.HeaderKind, buf []byte) (count, n uint32)
	SetHeader(kind abi.HeaderKind, name, value []byte) abi.Status
	AddHeader(kind abi.HeaderKind, name, value []byte) abi.Status
	RemoveHeader(kind abi.HeaderKind, name []byte) abi.Status

	GetBody(kind abi.HeaderKind, buf []byte) (s abi.Status, n uint32)
	SetBody(kind abi.HeaderKind, body []byte) abi.Status
	WriteBody(kind abi.HeaderKind, body []byte) abi.Status

	GetStatus() uint32
	SetStatus(code uint32) abi.Status
	SendResponse(code uint32, body []byte) abi.Status

	KVGet(key, buf []byte) (st abi.Status, n uint32, rev uint64)
	KVPut(key, value []byte, ttlMillis int64) (s abi.Status, rev uint64)
	KVCAS(key, value []byte, ttlMillis int64, expected uint64) (s abi.Status, rev uint64)
	KVDelete(key []byte) abi.Status
	KVList(prefix, after []byte, max uint32, buf []byte) (st abi.Status, n uint32)

	JWTVerify(keyset, token, policy, buf []byte) (st abi.Status, n uint32)
	RateLimitTake(name []byte, rate, periodMillis, burst, cost int64, alg abi.RateLimitAlgorithm) (st abi.Status, out RateOut)
	BreakerAllow(name []byte, config *BreakerConfig) (st abi.Status, out BreakerOut)
	BreakerReport(name []byte, config *BreakerConfig, success bool, latencyMillis int64) abi.BreakerState

	MsgPublish(subject, headers, data []byte) abi.Status
	MsgRequest(subject, headers, data []byte, timeoutMillis int64) abi.Status
	MsgRespond(headers, data []byte) abi.Status
	MsgGetSubject(buf []byte) uint32
	MsgGetReply(buf []byte) uint32
	MsgDeliveryCount() int64
	MsgSettle(d abi.Disposition, delayMillis int64) abi.Status
}

// RateOut is what ratelimit_take writes at $out: abi.RateLimitOutSize
// bytes, four u64 LE. Its Go layout is the ABI's, so the Wasm build passes
// its address to the host.
type RateOut struct {
	Limit, Remaining, ResetMillis, RetryAfterMillis uint64
}

// BreakerOut is what breaker_allow writes at $out: abi.BreakerOutSize
// bytes, the state (u32), padding (u32) and retry_after_ms (u64).
type BreakerOut struct {
	State            uint32
	Pad              uint32
	RetryAfterMillis uint64
}

// BreakerConfig is the abi.BreakerConfigSize bytes breaker_allow and
// breaker_report read, already encoded (little-endian).
type BreakerConfig [abi.BreakerConfigSize]byte

// EnableFeatures asks for features and returns those the host enabled.
func EnableFeatures(want abi.Features) abi.Features { return host.EnableFeatures(want) }

// GetConfig writes the binding's configuration (buf_limit protocol).
func GetConfig(buf []byte) uint32 { return host.GetConfig(buf) }

// Log writes msg at level through the host logger.
func Log(level abi.LogLevel, msg []byte) { host.Log(level, msg) }

// LogEnabled reports whether a line at level would be written.
func LogEnabled(level abi.LogLevel) bool { return host.LogEnabled(level) }

// Now returns the host wall clock in nanoseconds since the Unix epoch.
func Now() int64 { return host.Now() }

// Random fills buf from a cryptographic source.
func Random(buf []byte) { host.Random(buf) }

// GetMethod writes the request method (buf_limit protocol).
func GetMethod(buf []byte) uint32 { return host.GetMethod(buf) }

// GetPath writes the escaped request path (buf_limit protocol).
func GetPath(buf []byte) uint32 { return host.GetPath(buf) }

// SetPath replaces the escaped path sent to the target.
func SetPath(path []byte) abi.Status { return host.SetPath(path) }

// GetQuery writes the raw query without "?" (buf_limit protocol).
func GetQuery(buf []byte) uint32 { return host.GetQuery(buf) }

// SetQuery replaces the raw query sent to the target.
func SetQuery(query []byte) abi.Status { return host.SetQuery(query) }

// GetRouteVar writes the value of a route variable (buf_limit protocol).
func GetRouteVar(name, buf []byte) (found bool, n uint32) { return host.GetRouteVar(name, buf) }

// GetRemoteAddr writes the client's "ip:port" (buf_limit protocol).
func GetRemoteAddr(buf []byte) uint32 { return host.GetRemoteAddr(buf) }

// GetRequestID writes the request ID (buf_limit protocol).
func GetRequestID(buf []byte) uint32 { return host.GetRequestID(buf) }

// SetRequestState keeps state for this plugin's on_response of the request.
func SetRequestState(state []byte) abi.Status { return host.SetRequestState(state) }

// GetRequestState writes the kept request state (buf_limit protocol).
func GetRequestState(buf []byte) uint32 { return host.GetRequestState(buf) }

// GetHeader writes the first value of a header (buf_limit protocol).
func GetHeader(kind abi.HeaderKind, name, buf []byte) (found bool, n uint32) {
	return host.GetHeader(kind, name, buf)
}

// GetHeaderValues writes every value of a header, each followed by NUL.
func GetHeaderValues(kind abi.HeaderKind, name, buf []byte) (count, n uint32) {
	return host.GetHeaderValues(kind, name, buf)
}

// GetHeaderNames writes every header name, each followed by NUL.
func GetHeaderNames(kind abi.HeaderKind, buf []byte) (count, n uint32) {
	return host.GetHeaderNames(kind, buf)
}

// SetHeader replaces all values of a header with value.
func SetHeader(kind abi.HeaderKind, name, value []byte) abi.Status {
	return host.SetHeader(kind, name, value)
}

// AddHeader appends value to a header.
func AddHeader(kind abi.HeaderKind, name, value []byte) abi.Status {
	return host.AddHeader(kind, name, value)
}

// RemoveHeader removes a header.
func RemoveHeader(kind abi.HeaderKind, name []byte) abi.Status { return host.RemoveHeader(kind, name) }

// GetBody writes the whole body (buf_limit protocol).
func GetBody(kind abi.HeaderKind, buf []byte) (s abi.Status, n uint32) {
	return host.GetBody(kind, buf)
}

// SetBody replaces the body.
func SetBody(kind abi.HeaderKind, body []byte) abi.Status { return host.SetBody(kind, body) }

// WriteBody appends to the body.
func WriteBody(kind abi.HeaderKind, body []byte) abi.Status { return host.WriteBody(kind, body) }

// GetStatus returns the response status code.
func GetStatus() uint32 { return host.GetStatus() }

// SetStatus sets the response status code.
func SetStatus(code uint32) abi.Status { return host.SetStatus(code) }

// SendResponse sets status and body and ends the chain.
func SendResponse(code uint32, body []byte) abi.Status { return host.SendResponse(code, body) }

// KVGet reads a key (buf_limit protocol) and its revision.
func KVGet(key, buf []byte) (st abi.Status, n uint32, rev uint64) { return host.KVGet(key, buf) }

// KVPut writes a key unconditionally.
func KVPut(key, value []byte, ttlMillis int64) (s abi.Status, rev uint64) {
	return host.KVPut(key, value, ttlMillis)
}

// KVCAS writes a key only if its revision is expected (0: absent).
func KVCAS(key, value []byte, ttlMillis int64, expected uint64) (s abi.Status, rev uint64) {
	return host.KVCAS(key, value, ttlMillis, expected)
}

// KVDelete removes a key.
func KVDelete(key []byte) abi.Status { return host.KVDelete(key) }

// KVList writes up to max keys after after with prefix (buf_limit protocol).
func KVList(prefix, after []byte, max uint32, buf []byte) (st abi.Status, n uint32) {
	return host.KVList(prefix, after, max, buf)
}

// JWTVerify verifies token against a host key set under policy; buf
// receives the claims (StatusOK) or a reason (StatusDenied), buf_limit
// protocol.
func JWTVerify(keyset, token, policy, buf []byte) (st abi.Status, n uint32) {
	return host.JWTVerify(keyset, token, policy, buf)
}

// RateLimitTake takes cost tokens from the named host bucket.
func RateLimitTake(name []byte, rate, periodMillis, burst, cost int64, alg abi.RateLimitAlgorithm) (st abi.Status, out RateOut) {
	return host.RateLimitTake(name, rate, periodMillis, burst, cost, alg)
}

// BreakerAllow asks the named host circuit breaker whether a call may go
// ahead.
func BreakerAllow(name []byte, config *BreakerConfig) (st abi.Status, out BreakerOut) {
	return host.BreakerAllow(name, config)
}

// BreakerReport reports the outcome of an admitted call and returns the
// breaker's state after it.
func BreakerReport(name []byte, config *BreakerConfig, success bool, latencyMillis int64) abi.BreakerState {
	return host.BreakerReport(name, config, success, latencyMillis)
}

// MsgPublish publishes data with encoded headers on subject.
func MsgPublish(subject, headers, data []byte) abi.Status {
	return host.MsgPublish(subject, headers, data)
}

// MsgRequest sends a request and waits for the reply (read with
// abi.HeaderKindReply).
func MsgRequest(subject, headers, data []byte, timeoutMillis int64) abi.Status {
	return host.MsgRequest(subject, headers, data, timeoutMillis)
}

// MsgRespond replies to the message being handled.
func MsgRespond(headers, data []byte) abi.Status { return host.MsgRespond(headers, data) }

// MsgGetSubject writes the subject of the message being handled.
func MsgGetSubject(buf []byte) uint32 { return host.MsgGetSubject(buf) }

// MsgGetReply writes the reply subject of the message being handled.
func MsgGetReply(buf []byte) uint32 { return host.MsgGetReply(buf) }

// MsgDeliveryCount returns how many times the message was delivered.
func MsgDeliveryCount() int64 { return host.MsgDeliveryCount() }

// MsgSettle settles the message being handled.
func MsgSettle(d abi.Disposition, delayMillis int64) abi.Status {
	return host.MsgSettle(d, delayMillis)
}
