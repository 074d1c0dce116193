;; jwtcache: verifies the X-Token request header against key set "ks" with
;; the policy in the X-Policy header (absent: the empty policy), so one
;; binding can pass jwt_verify the same token under different policies.
;; Valid → 200 with the claims; otherwise 400 + the ABI status (405 for
;; denied, 401 for not_found, 403 for invalid_argument) with the reason.
(module
  (import "hostd_v1" "get_header" (func $get_header (param i32 i32 i32 i32 i32) (result i64)))
  (import "hostd_v1" "jwt_verify" (func $verify (param i32 i32 i32 i32 i32 i32 i32 i32) (result i64)))
  (import "hostd_v1" "send_response" (func $send_response (param i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "ks")
  (data (i32.const 8) "X-Token")
  (data (i32.const 16) "X-Policy")
  (func (export "hostd_abi_v1"))
  ;; len returns the length half of a get_header result, 0 when it exceeds
  ;; limit (the value did not fit).
  (func $len (param $r i64) (param $limit i32) (result i32)
    (local $n i32)
    (local.set $n (i32.wrap_i64 (local.get $r)))
    (select (i32.const 0) (local.get $n) (i32.gt_u (local.get $n) (local.get $limit))))
  (func (export "on_request") (result i32)
    (local $tok i32) (local $pol i32) (local $r i64) (local $st i32) (local $n i32)
    ;; token at 1024 (up to 24 KiB), policy at 25600 (up to 4 KiB),
    ;; claims out at 32768 (up to 32 KiB)
    (local.set $tok (call $len
      (call $get_header (i32.const 0) (i32.const 8) (i32.const 7) (i32.const 1024) (i32.const 24576))
      (i32.const 24576)))
    (local.set $pol (call $len
      (call $get_header (i32.const 0) (i32.const 16) (i32.const 8) (i32.const 25600) (i32.const 4096))
      (i32.const 4096)))
    (local.set $r (call $verify (i32.const 0) (i32.const 2) (i32.const 1024) (local.get $tok)
      (i32.const 25600) (local.get $pol) (i32.const 32768) (i32.const 32768)))
    (local.set $st (i32.wrap_i64 (i64.shr_u (local.get $r) (i64.const 32))))
    (local.set $n (call $len (local.get $r) (i32.const 32768)))
    (drop (call $send_response
      (select (i32.const 200) (i32.add (i32.const 400) (local.get $st)) (i32.eqz (local.get $st)))
      (i32.const 32768) (local.get $n)))
    (i32.const 1)))
