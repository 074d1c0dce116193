//go:build wasm

package imports

import "unsafe"

// The raw hostd_v1 imports, one per abi.HostFunctions entry, in the same
// order. i32 pointers are unsafe.Pointer (the compiler keeps the memory
// alive for the call), other i32s are uint32 or int32, i64s are uint64 or
// int64. TestWasmImportsMatchABI checks every declaration against abi.

//go:wasmimport hostd_v1 enable_features
func enableFeatures(features uint64) uint64

//go:wasmimport hostd_v1 get_config
//go:noescape
func getConfig(buf unsafe.Pointer, bufLimit uint32) uint32

//go:wasmimport hostd_v1 log
//go:noescape
func logLine(level int32, msg unsafe.Pointer, msgLen uint32)

//go:wasmimport hostd_v1 log_enabled
func logEnabled(level int32) uint32

//go:wasmimport hostd_v1 now
func now() uint64

//go:wasmimport hostd_v1 random
//go:noescape
func random(buf unsafe.Pointer, n uint32)

//go:wasmimport hostd_v1 get_method
//go:noescape
func getMethod(buf unsafe.Pointer, bufLimit uint32) uint32

//go:wasmimport hostd_v1 get_path
//go:noescape
func getPath(buf unsafe.Pointer, bufLimit uint32) uint32

//go:wasmimport hostd_v1 set_path
//go:noescape
func setPath(path unsafe.Pointer, pathLen uint32) uint32

//go:wasmimport hostd_v1 get_query
//go:noescape
func getQuery(buf unsafe.Pointer, bufLimit uint32) uint32

//go:wasmimport hostd_v1 set_query
//go:noescape
func setQuery(query unsafe.Pointer, queryLen uint32) uint32

//go:wasmimport hostd_v1 get_route_var
//go:noescape
func getRouteVar(name unsafe.Pointer, nameLen uint32, buf unsafe.Pointer, bufLimit uint32) uint64

//go:wasmimport hostd_v1 get_remote_addr
//go:noescape
func getRemoteAddr(buf unsafe.Pointer, bufLimit uint32) uint32

//go:wasmimport hostd_v1 get_request_id
//go:noescape
func getRequestID(buf unsafe.Pointer, bufLimit uint32) uint32

//go:wasmimport hostd_v1 set_request_state
//go:noescape
func setRequestState(state unsafe.Pointer, stateLen uint32) uint32

//go:wasmimport hostd_v1 get_request_state
//go:noescape
func getRequestState(buf unsafe.Pointer, bufLimit uint32) uint32

//go:wasmimport hostd_v1 get_header
//go:noescape
func getHeader(kind uint32, name unsafe.Pointer, nameLen uint32, buf unsafe.Pointer, bufLimit uint32) uint64

//go:wasmimport hostd_v1 get_header_values
//go:noescape
func getHeaderValues(kind uint32, name unsafe.Pointer, nameLen uint32, buf unsafe.Pointer, bufLimit uint32) uint64

//go:wasmimport hostd_v1 get_header_names
//go:noescape
func getHeaderNames(kind uint32, buf unsafe.Pointer, bufLimit uint32) uint64

//go:wasmimport hostd_v1 set_header
//go:noescape
func setHeader(kind uint32, name unsafe.Pointer, nameLen uint32, value unsafe.Pointer, valueLen uint32) uint32

//go:wasmimport hostd_v1 add_header
//go:noescape
func addHeader(kind uint32, name unsafe.Pointer, nameLen uint32, value unsafe.Pointer, valueLen uint32) uint32

//go:wasmimport hostd_v1 remove_header
//go:noescape
func removeHeader(kind uint32, name unsafe.Pointer, nameLen uint32) uint32

//go:wasmimport hostd_v1 get_body
//go:noescape
func getBody(kind uint32, buf unsafe.Pointer, bufLimit uint32) uint64

//go:wasmimport hostd_v1 set_body
//go:noescape
func setBody(kind uint32, body unsafe.Pointer, bodyLen uint32) uint32

//go:wasmimport hostd_v1 write_body
//go:noescape
func writeBody(kind uint32, body unsafe.Pointer, bodyLen uint32) uint32

//go:wasmimport hostd_v1 get_status
func getStatus() uint32

//go:wasmimport hostd_v1 set_status
func setStatus(status uint32) uint32

//go:wasmimport hostd_v1 send_response
//go:noescape
func sendResponse(status uint32, body unsafe.Pointer, bodyLen uint32) uint32

//go:wasmimport hostd_v1 kv_get
//go:noescape
func kvGet(key unsafe.Pointer, keyLen uint32, buf unsafe.Pointer, bufLimit uint32, rev unsafe.Pointer) uint64

//go:wasmimport hostd_v1 kv_put
//go:noescape
func kvPut(key unsafe.Pointer, keyLen uint32, value unsafe.Pointer, valueLen uint32, ttlMillis int64, rev unsafe.Pointer) uint32

//go:wasmimport hostd_v1 kv_cas
//go:noescape
func kvCAS(key unsafe.Pointer, keyLen uint32, value unsafe.Pointer, valueLen uint32, ttlMillis int64, expected uint64, rev unsafe.Pointer) uint32

//go:wasmimport hostd_v1 kv_delete
//go:noescape
func kvDelete(key unsafe.Pointer, keyLen uint32) uint32

//go:wasmimport hostd_v1 kv_list
//go:noescape
func kvList(prefix unsafe.Pointer, prefixLen uint32, after unsafe.Pointer, afterLen uint32, max uint32, buf unsafe.Pointer, bufLimit uint32) uint64

//go:wasmimport hostd_v1 jwt_verify
//go:noescape
func jwtVerify(keyset unsafe.Pointer, keysetLen uint32, token unsafe.Pointer, tokenLen uint32, policy unsafe.Pointer, policyLen uint32, buf unsafe.Pointer, bufLimit uint32) uint64

//go:wasmimport hostd_v1 ratelimit_take
//go:noescape
func ratelimitTake(name unsafe.Pointer, nameLen uint32, rate int64, periodMillis int64, burst int64, cost int64, algorithm uint32, out unsafe.Pointer) uint32

//go:wasmimport hostd_v1 breaker_allow
//go:noescape
func breakerAllow(name unsafe.Pointer, nameLen uint32, config unsafe.Pointer, out unsafe.Pointer) uint32

//go:wasmimport hostd_v1 breaker_report
//go:noescape
func breakerReport(name unsafe.Pointer, nameLen uint32, config unsafe.Pointer, success uint32, latencyMillis int64) uint32

//go:wasmimport hostd_v1 msg_publish
//go:noescape
func msgPublish(subject unsafe.Pointer, subjectLen uint32, headers unsafe.Pointer, headersLen uint32, data unsafe.Pointer, dataLen uint32) uint32

//go:wasmimport hostd_v1 msg_request
//go:noescape
func msgRequest(subject unsafe.Pointer, subjectLen uint32, headers unsafe.Pointer, headersLen uint32, data unsafe.Pointer, dataLen uint32, timeoutMillis int64) uint32

//go:wasmimport hostd_v1 msg_respond
//go:noescape
func msgRespond(headers unsafe.Pointer, headersLen uint32, data unsafe.Pointer, dataLen uint32) uint32

//go:wasmimport hostd_v1 msg_get_subject
//go:noescape
func msgGetSubject(buf unsafe.Pointer, bufLimit uint32) uint32

//go:wasmimport hostd_v1 msg_get_reply
//go:noescape
func msgGetReply(buf unsafe.Pointer, bufLimit uint32) uint32

//go:wasmimport hostd_v1 msg_delivery_count
func msgDeliveryCount() int64

//go:wasmimport hostd_v1 msg_settle
func msgSettle(disposition uint32, delayMillis int64) uint32
