;; jwt: verifies the X-Token request header against key set "ks" with the
;; policy {"issuer":"me"}. Valid → 200 with the claims; otherwise the status
;; code 400 + the ABI status (so 401 for denied, 404 for not_found) with the
;; reason.
(module
  (import "hostd_v1" "get_header" (func $get_header (param i32 i32 i32 i32 i32) (result i64)))
  (import "hostd_v1" "jwt_verify" (func $verify (param i32 i32 i32 i32 i32 i32 i32 i32) (result i64)))
  (import "hostd_v1" "send_response" (func $send_response (param i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "ks")
  (data (i32.const 8) "X-Token")
  (data (i32.const 16) "{\22issuer\22:\22me\22}") ;; 15 bytes
  (func (export "hostd_abi_v1"))
  (func (export "on_request") (result i32)
    (local $tok i64) (local $r i64) (local $st i32) (local $n i32)
    (local.set $tok (call $get_header (i32.const 0) (i32.const 8) (i32.const 7) (i32.const 1024) (i32.const 2048)))
    (local.set $r (call $verify (i32.const 0) (i32.const 2) (i32.const 1024) (i32.wrap_i64 (local.get $tok))
      (i32.const 16) (i32.const 15) (i32.const 4096) (i32.const 4096)))
    (local.set $st (i32.wrap_i64 (i64.shr_u (local.get $r) (i64.const 32))))
    (local.set $n (i32.wrap_i64 (local.get $r)))
    (if (i32.gt_u (local.get $n) (i32.const 4096)) (then (local.set $n (i32.const 0))))
    (drop (call $send_response
      (select (i32.const 200) (i32.add (i32.const 400) (local.get $st)) (i32.eqz (local.get $st)))
      (i32.const 4096) (local.get $n)))
    (i32.const 1)))
