;; hostcall: for benchmarks of the guest/host boundary. noop() does
;; nothing (the cost of a call into the guest); call_now(n) calls the host
;; function now n times (the cost of a host call); on_request answers 200
;; with no body.
(module
  (import "hostd_v1" "now" (func $now (result i64)))
  (import "hostd_v1" "send_response" (func $send_response (param i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "hostd_abi_v1"))
  (func (export "noop"))
  (func (export "call_now") (param $n i32)
    (block $done
      (loop $l
        (br_if $done (i32.eqz (local.get $n)))
        (drop (call $now))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $l))))
  (func (export "on_request") (result i32)
    (drop (call $send_response (i32.const 200) (i32.const 0) (i32.const 0)))
    (i32.const 1)))
