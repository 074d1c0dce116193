//go:build !wasm

package imports

import "github.com/hostd/hostd/abi"

// host is what every function forwards to outside Wasm. It starts as a
// Host that panics with a pointer to sdktest.
var host Host = noHost{}

// SetHost installs h as the host and returns a function that restores the
// previous one. It exists only outside Wasm; sdktest.New calls it. Plugin
// tests that use it must not run in parallel.
func SetHost(h Host) (restore func()) {
	prev := host
	host = h
	return func() { host = prev }
}

// noHost panics on every call: plugin code ran outside Wasm without sdktest.
type noHost struct{}

func (noHost) fail() {
	panic("sdk: no host: outside Wasm, plugin code runs only under sdktest.New")
}

func (h noHost) EnableFeatures(abi.Features) abi.Features            { h.fail(); return 0 }
func (h noHost) GetConfig([]byte) uint32                             { h.fail(); return 0 }
func (h noHost) Log(abi.LogLevel, []byte)                            { h.fail() }
func (h noHost) LogEnabled(abi.LogLevel) bool                        { h.fail(); return false }
func (h noHost) Now() int64                                          { h.fail(); return 0 }
func (h noHost) Random([]byte)                                       { h.fail() }
func (h noHost) GetMethod([]byte) uint32                             { h.fail(); return 0 }
func (h noHost) GetPath([]byte) uint32                               { h.fail(); return 0 }
func (h noHost) SetPath([]byte) abi.Status                           { h.fail(); return 0 }
func (h noHost) GetQuery([]byte) uint32                              { h.fail(); return 0 }
func (h noHost) SetQuery([]byte) abi.Status                          { h.fail(); return 0 }
func (h noHost) GetRouteVar(_, _ []byte) (bool, uint32)              { h.fail(); return false, 0 }
func (h noHost) GetRemoteAddr([]byte) uint32                         { h.fail(); return 0 }
func (h noHost) GetRequestID([]byte) uint32                          { h.fail(); return 0 }
func (h noHost) SetRequestState([]byte) abi.Status                   { h.fail(); return 0 }
func (h noHost) GetRequestState([]byte) uint32                       { h.fail(); return 0 }
func (h noHost) GetStatus() uint32                                   { h.fail(); return 0 }
func (h noHost) SetStatus(uint32) abi.Status                         { h.fail(); return 0 }
func (h noHost) SendResponse(uint32, []byte) abi.Status              { h.fail(); return 0 }
func (h noHost) KVDelete([]byte) abi.Status                          { h.fail(); return 0 }
func (h noHost) GetBody(abi.HeaderKind, []byte) (abi.Status, uint32) { h.fail(); return 0, 0 }
func (h noHost) SetBody(abi.HeaderKind, []byte) abi.Status           { h.fail(); return 0 }
func (h noHost) WriteBody(abi.HeaderKind, []byte) abi.Status         { h.fail(); return 0 }

func (h noHost) GetHeader(abi.HeaderKind, []byte, []byte) (bool, uint32) { h.fail(); return false, 0 }
func (h noHost) GetHeaderValues(abi.HeaderKind, []byte, []byte) (uint32, uint32) {
	h.fail()
	return 0, 0
}
func (h noHost) GetHeaderNames(abi.HeaderKind, []byte) (uint32, uint32) { h.fail(); return 0, 0 }
func (h noHost) SetHeader(abi.HeaderKind, []byte, []byte) abi.Status    { h.fail(); return 0 }
func (h noHost) AddHeader(abi.HeaderKind, []byte, []byte) abi.Status    { h.fail(); return 0 }
func (h noHost) RemoveHeader(abi.HeaderKind, []byte) abi.Status         { h.fail(); return 0 }
func (h noHost) KVGet([]byte, []byte) (abi.Status, uint32, uint64)      { h.fail(); return 0, 0, 0 }
func (h noHost) KVPut([]byte, []byte, int64) (abi.Status, uint64)       { h.fail(); return 0, 0 }
func (h noHost) KVCAS([]byte, []byte, int64, uint64) (abi.Status, uint64) {
	h.fail()
	return 0, 0
}
func (h noHost) KVList([]byte, []byte, uint32, []byte) (abi.Status, uint32) { h.fail(); return 0, 0 }
func (h noHost) JWTVerify(_, _, _, _ []byte) (abi.Status, uint32)           { h.fail(); return 0, 0 }
func (h noHost) RateLimitTake([]byte, int64, int64, int64, int64, abi.RateLimitAlgorithm) (abi.Status, RateOut) {
	h.fail()
	return 0, RateOut{}
}
func (h noHost) BreakerAllow([]byte, *BreakerConfig) (abi.Status, BreakerOut) {
	h.fail()
	return 0, BreakerOut{}
}
func (h noHost) BreakerReport([]byte, *BreakerConfig, bool, int64) abi.BreakerState {
	h.fail()
	return 0
}
func (h noHost) MsgPublish(_, _, _ []byte) abi.Status          { h.fail(); return 0 }
func (h noHost) MsgRequest(_, _, _ []byte, _ int64) abi.Status { h.fail(); return 0 }
func (h noHost) MsgRespond(_, _ []byte) abi.Status             { h.fail(); return 0 }
func (h noHost) MsgGetSubject([]byte) uint32                   { h.fail(); return 0 }
func (h noHost) MsgGetReply([]byte) uint32                     { h.fail(); return 0 }
func (h noHost) MsgDeliveryCount() int64                       { h.fail(); return 0 }
func (h noHost) MsgSettle(abi.Disposition, int64) abi.Status   { h.fail(); return 0 }
