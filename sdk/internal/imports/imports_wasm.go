//go:build wasm

package imports

import (
	"unsafe"

	"github.com/hostd/hostd/abi"
)

// host is a zero-size value, so every call below is static.
var host wasmHost

// wasmHost implements Host with the real hostd_v1 imports.
type wasmHost struct{}

var _ Host = wasmHost{}

// revOut receives the revision that kv_get, kv_put and kv_cas write. A
// package variable never has address 0, which the ABI reads as "no
// pointer".
var revOut uint64

// rateOut and breakerOut receive the results of ratelimit_take and
// breaker_allow; their layouts are the ABI's (wasm is little-endian).
var (
	rateOut    RateOut
	breakerOut BreakerOut
)

// Compile-time checks that the out structures have the ABI's sizes.
var (
	_ [unsafe.Sizeof(RateOut{}) - abi.RateLimitOutSize]struct{}
	_ [abi.RateLimitOutSize - unsafe.Sizeof(RateOut{})]struct{}
	_ [unsafe.Sizeof(BreakerOut{}) - abi.BreakerOutSize]struct{}
	_ [abi.BreakerOutSize - unsafe.Sizeof(BreakerOut{})]struct{}
)

// ptr returns the address of b's first byte, or nil for an empty slice.
func ptr(b []byte) unsafe.Pointer {
	if len(b) == 0 {
		return nil
	}
	return unsafe.Pointer(unsafe.SliceData(b))
}

func size(b []byte) uint32 { return uint32(len(b)) }

func (wasmHost) EnableFeatures(want abi.Features) abi.Features {
	return abi.Features(enableFeatures(uint64(want)))
}

func (wasmHost) GetConfig(buf []byte) uint32 { return getConfig(ptr(buf), size(buf)) }

func (wasmHost) Log(level abi.LogLevel, msg []byte) { logLine(int32(level), ptr(msg), size(msg)) }

func (wasmHost) LogEnabled(level abi.LogLevel) bool { return logEnabled(int32(level)) != 0 }

func (wasmHost) Now() int64 { return int64(now()) }

func (wasmHost) Random(buf []byte) { random(ptr(buf), size(buf)) }

func (wasmHost) GetMethod(buf []byte) uint32 { return getMethod(ptr(buf), size(buf)) }

func (wasmHost) GetPath(buf []byte) uint32 { return getPath(ptr(buf), size(buf)) }

func (wasmHost) SetPath(p []byte) abi.Status { return abi.Status(setPath(ptr(p), size(p))) }

func (wasmHost) GetQuery(buf []byte) uint32 { return getQuery(ptr(buf), size(buf)) }

func (wasmHost) SetQuery(q []byte) abi.Status { return abi.Status(setQuery(ptr(q), size(q))) }

func (wasmHost) GetRouteVar(name, buf []byte) (bool, uint32) {
	return abi.UnpackFoundLen(getRouteVar(ptr(name), size(name), ptr(buf), size(buf)))
}

func (wasmHost) GetRemoteAddr(buf []byte) uint32 { return getRemoteAddr(ptr(buf), size(buf)) }

func (wasmHost) GetRequestID(buf []byte) uint32 { return getRequestID(ptr(buf), size(buf)) }

func (wasmHost) SetRequestState(s []byte) abi.Status {
	return abi.Status(setRequestState(ptr(s), size(s)))
}

func (wasmHost) GetRequestState(buf []byte) uint32 { return getRequestState(ptr(buf), size(buf)) }

func (wasmHost) GetHeader(kind abi.HeaderKind, name, buf []byte) (bool, uint32) {
	return abi.UnpackFoundLen(getHeader(uint32(kind), ptr(name), size(name), ptr(buf), size(buf)))
}

func (wasmHost) GetHeaderValues(kind abi.HeaderKind, name, buf []byte) (uint32, uint32) {
	return abi.UnpackCountLen(getHeaderValues(uint32(kind), ptr(name), size(name), ptr(buf), size(buf)))
}

func (wasmHost) GetHeaderNames(kind abi.HeaderKind, buf []byte) (uint32, uint32) {
	return abi.UnpackCountLen(getHeaderNames(uint32(kind), ptr(buf), size(buf)))
}

func (wasmHost) SetHeader(kind abi.HeaderKind, name, value []byte) abi.Status {
	return abi.Status(setHeader(uint32(kind), ptr(name), size(name), ptr(value), size(value)))
}

func (wasmHost) AddHeader(kind abi.HeaderKind, name, value []byte) abi.Status {
	return abi.Status(addHeader(uint32(kind), ptr(name), size(name), ptr(value), size(value)))
}

func (wasmHost) RemoveHeader(kind abi.HeaderKind, name []byte) abi.Status {
	return abi.Status(removeHeader(uint32(kind), ptr(name), size(name)))
}

func (wasmHost) GetBody(kind abi.HeaderKind, buf []byte) (abi.Status, uint32) {
	return abi.UnpackStatusLen(getBody(uint32(kind), ptr(buf), size(buf)))
}

func (wasmHost) SetBody(kind abi.HeaderKind, body []byte) abi.Status {
	return abi.Status(setBody(uint32(kind), ptr(body), size(body)))
}

func (wasmHost) WriteBody(kind abi.HeaderKind, body []byte) abi.Status {
	return abi.Status(writeBody(uint32(kind), ptr(body), size(body)))
}

func (wasmHost) GetStatus() uint32 { return getStatus() }

func (wasmHost) SetStatus(code uint32) abi.Status { return abi.Status(setStatus(code)) }

func (wasmHost) SendResponse(code uint32, body []byte) abi.Status {
	return abi.Status(sendResponse(code, ptr(body), size(body)))
}

func (wasmHost) KVGet(key, buf []byte) (abi.Status, uint32, uint64) {
	revOut = 0
	st, n := abi.UnpackStatusLen(kvGet(ptr(key), size(key), ptr(buf), size(buf), unsafe.Pointer(&revOut)))
	return st, n, revOut
}

func (wasmHost) KVPut(key, value []byte, ttlMillis int64) (abi.Status, uint64) {
	revOut = 0
	s := kvPut(ptr(key), size(key), ptr(value), size(value), ttlMillis, unsafe.Pointer(&revOut))
	return abi.Status(s), revOut
}

func (wasmHost) KVCAS(key, value []byte, ttlMillis int64, expected uint64) (abi.Status, uint64) {
	revOut = 0
	s := kvCAS(ptr(key), size(key), ptr(value), size(value), ttlMillis, expected, unsafe.Pointer(&revOut))
	return abi.Status(s), revOut
}

func (wasmHost) KVDelete(key []byte) abi.Status { return abi.Status(kvDelete(ptr(key), size(key))) }

func (wasmHost) KVList(prefix, after []byte, max uint32, buf []byte) (abi.Status, uint32) {
	return abi.UnpackStatusLen(kvList(ptr(prefix), size(prefix), ptr(after), size(after), max, ptr(buf), size(buf)))
}

func (wasmHost) JWTVerify(keyset, token, policy, buf []byte) (abi.Status, uint32) {
	return abi.UnpackStatusLen(jwtVerify(ptr(keyset), size(keyset), ptr(token), size(token),
		ptr(policy), size(policy), ptr(buf), size(buf)))
}

func (wasmHost) RateLimitTake(name []byte, rate, periodMillis, burst, cost int64, alg abi.RateLimitAlgorithm) (abi.Status, RateOut) {
	rateOut = RateOut{}
	s := ratelimitTake(ptr(name), size(name), rate, periodMillis, burst, cost, uint32(alg), unsafe.Pointer(&rateOut))
	return abi.Status(s), rateOut
}

func (wasmHost) BreakerAllow(name []byte, config *BreakerConfig) (abi.Status, BreakerOut) {
	breakerOut = BreakerOut{}
	s := breakerAllow(ptr(name), size(name), unsafe.Pointer(config), unsafe.Pointer(&breakerOut))
	return abi.Status(s), breakerOut
}

func (wasmHost) BreakerReport(name []byte, config *BreakerConfig, success bool, latencyMillis int64) abi.BreakerState {
	ok := uint32(0)
	if success {
		ok = 1
	}
	return abi.BreakerState(breakerReport(ptr(name), size(name), unsafe.Pointer(config), ok, latencyMillis))
}

func (wasmHost) MsgPublish(subject, headers, data []byte) abi.Status {
	return abi.Status(msgPublish(ptr(subject), size(subject), ptr(headers), size(headers), ptr(data), size(data)))
}

func (wasmHost) MsgRequest(subject, headers, data []byte, timeoutMillis int64) abi.Status {
	return abi.Status(msgRequest(ptr(subject), size(subject), ptr(headers), size(headers), ptr(data), size(data), timeoutMillis))
}

func (wasmHost) MsgRespond(headers, data []byte) abi.Status {
	return abi.Status(msgRespond(ptr(headers), size(headers), ptr(data), size(data)))
}

func (wasmHost) MsgGetSubject(buf []byte) uint32 { return msgGetSubject(ptr(buf), size(buf)) }

func (wasmHost) MsgGetReply(buf []byte) uint32 { return msgGetReply(ptr(buf), size(buf)) }

func (wasmHost) MsgDeliveryCount() int64 { return msgDeliveryCount() }

func (wasmHost) MsgSettle(d abi.Disposition, delayMillis int64) abi.Status {
	return abi.Status(msgSettle(uint32(d), delayMillis))
}
