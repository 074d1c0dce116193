;; breaker: breaker "br" with window 10 s, open_for 1 s, min_requests 2,
;; consecutive_failures 2, half_open_requests 1, ratio off. on_request asks
;; breaker_allow; when allowed it reports the outcome given by the query
;; string ("fail" → failure, anything else → success) and answers 200 with
;; the new state as one byte; when open it answers 503 with the 16-byte out
;; struct.
(module
  (import "hostd_v1" "breaker_allow" (func $allow (param i32 i32 i32 i32) (result i32)))
  (import "hostd_v1" "breaker_report" (func $report (param i32 i32 i32 i32 i64) (result i32)))
  (import "hostd_v1" "get_query" (func $get_query (param i32 i32) (result i32)))
  (import "hostd_v1" "send_response" (func $send_response (param i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "br")
  ;; config at 16: window_ms=10000, open_for_ms=1000, min=2, consecutive=2, half_open=1, ratio=0
  (data (i32.const 16) "\10\27\00\00\00\00\00\00\e8\03\00\00\00\00\00\00\02\00\00\00\02\00\00\00\01\00\00\00\00\00\00\00")
  (func (export "hostd_abi_v1"))
  (func (export "on_request") (result i32)
    (local $fail i32)
    (if (i32.ne (call $allow (i32.const 0) (i32.const 2) (i32.const 16) (i32.const 64)) (i32.const 0))
      (then
        (drop (call $send_response (i32.const 503) (i32.const 64) (i32.const 16)))
        (return (i32.const 1))))
    ;; query "fail" → 4 bytes at 128 equal to "fail"
    (local.set $fail (i32.and
      (i32.eq (call $get_query (i32.const 128) (i32.const 16)) (i32.const 4))
      (i32.eq (i32.load (i32.const 128)) (i32.const 0x6c696166))))
    (i32.store8 (i32.const 96)
      (call $report (i32.const 0) (i32.const 2) (i32.const 16) (i32.eqz (local.get $fail)) (i64.const 3)))
    (drop (call $send_response (i32.const 200) (i32.const 96) (i32.const 1)))
    (i32.const 1)))
