;; slow: on_request busy-waits 300 ms (reading the host clock), then
;; answers 200 "slow". Used to test that shutdown drains in-flight requests.
(module
  (import "hostd_v1" "now" (func $now (result i64)))
  (import "hostd_v1" "send_response" (func $send_response (param i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "slow")
  (func (export "hostd_abi_v1"))
  (func (export "on_request") (result i32)
    (local $until i64)
    (local.set $until (i64.add (call $now) (i64.const 300000000)))
    (block $done
      (loop $wait
        (br_if $done (i64.ge_s (call $now) (local.get $until)))
        (br $wait)))
    (drop (call $send_response (i32.const 200) (i32.const 0) (i32.const 4)))
    (i32.const 1)))
