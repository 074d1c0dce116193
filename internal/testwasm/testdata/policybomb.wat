;; policybomb: a hostile plugin that invents policy names. Its binding
;; config is 8 bytes: u32 LE n and op (0: ratelimit_take, 1: breaker_allow).
;;   on_request: for i in 0..n, names a bucket or breaker "bomb:" followed by
;;               i (4 bytes LE) and takes 1 token (5 per second, burst 5,
;;               token bucket) or asks the breaker (window 1 s, open 1 s,
;;               1 consecutive failure, 1 probe); then answers
;;               send_response(200) with 12 bytes: how many calls returned
;;               ok, how many denied (rate limit) or unavailable (breaker),
;;               and how many anything else (u32 LE each).
;; Tests that the host's bound on buckets and breakers holds against a
;; plugin naming new ones forever, and that a full table answers with a
;; status.
(module
  (import "hostd_v1" "get_config" (func $get_config (param i32 i32) (result i32)))
  (import "hostd_v1" "ratelimit_take" (func $take (param i32 i32 i64 i64 i64 i64 i32 i32) (result i32)))
  (import "hostd_v1" "breaker_allow" (func $allow (param i32 i32 i32 i32) (result i32)))
  (import "hostd_v1" "send_response" (func $send_response (param i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 64) "bomb:")
  ;; breaker config at 128: window_ms 1000, open_ms 1000, min_requests 0,
  ;; consecutive_failures 1, half_open_requests 1, failure_ratio 0.
  (data (i32.const 128) "\e8\03\00\00\00\00\00\00\e8\03\00\00\00\00\00\00\00\00\00\00\01\00\00\00\01\00\00\00\00\00\00\00")
  (func (export "hostd_abi_v1"))
  (func (export "on_request") (result i32)
    (local $i i32) (local $st i32) (local $slot i32)
    (drop (call $get_config (i32.const 0) (i32.const 8)))
    (block $done
      (loop $again
        (br_if $done (i32.ge_u (local.get $i) (i32.load (i32.const 0))))
        (i32.store (i32.const 69) (local.get $i))
        (if (i32.load (i32.const 4))
          (then (local.set $st (call $allow (i32.const 64) (i32.const 9) (i32.const 128) (i32.const 0))))
          (else (local.set $st (call $take (i32.const 64) (i32.const 9) (i64.const 5) (i64.const 1000)
            (i64.const 5) (i64.const 1) (i32.const 0) (i32.const 0)))))
        ;; slot: 32 ok, 36 denied (5) or unavailable (6), 40 other
        (local.set $slot (i32.const 40))
        (if (i32.eqz (local.get $st)) (then (local.set $slot (i32.const 32))))
        (if (i32.or (i32.eq (local.get $st) (i32.const 5)) (i32.eq (local.get $st) (i32.const 6)))
          (then (local.set $slot (i32.const 36))))
        (i32.store (local.get $slot) (i32.add (i32.load (local.get $slot)) (i32.const 1)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $again)))
    (drop (call $send_response (i32.const 200) (i32.const 32) (i32.const 12)))
    (i32.const 1)))
