;; ratelimit: on_request takes 1 token from bucket "b" (5 per second, burst
;; 5, token bucket). Allowed → 200 with the 32-byte out struct as the body
;; (limit, remaining, reset_ms, retry_after_ms); limited → 429 with the
;; same body.
(module
  (import "hostd_v1" "ratelimit_take" (func $take (param i32 i32 i64 i64 i64 i64 i32 i32) (result i32)))
  (import "hostd_v1" "send_response" (func $send_response (param i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "b")
  (func (export "hostd_abi_v1"))
  (func (export "on_request") (result i32)
    (local $st i32)
    (local.set $st (call $take (i32.const 0) (i32.const 1) (i64.const 5) (i64.const 1000)
      (i64.const 5) (i64.const 1) (i32.const 0) (i32.const 64)))
    (drop (call $send_response
      (select (i32.const 200) (i32.const 429) (i32.eqz (local.get $st)))
      (i32.const 64) (i32.const 32)))
    (i32.const 1)))
