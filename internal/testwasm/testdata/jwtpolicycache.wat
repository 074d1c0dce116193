;; jwtpolicycache: a hostile plugin that passes jwt_verify many distinct,
;; valid policies that parse into much more memory than their bytes (long
;; audience lists). Its binding config is the policy itself, at most 4096
;; bytes, starting {"issuer":"AAAAAAAA".
;;   on_request: 2048 times, writes a counter kept across requests (in
;;               memory at 16412) as 8 letters a..p over AAAAAAAA, adds one
;;               to it and calls jwt_verify("ks", "x", policy); then
;;               answers send_response(200) with 12 bytes: how many of this
;;               request's calls returned denied, invalid_argument and
;;               anything else (u32 LE each).
;; Tests that the host's cache of parsed policies is bounded by bytes per
;; binding, whatever the policies hold.
(module
  (import "hostd_v1" "get_config" (func $get_config (param i32 i32) (result i32)))
  (import "hostd_v1" "jwt_verify" (func $verify (param i32 i32 i32 i32 i32 i32 i32 i32) (result i64)))
  (import "hostd_v1" "send_response" (func $send_response (param i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16384) "ks")
  (data (i32.const 16400) "x")
  (func (export "hostd_abi_v1"))
  (func $stamp (param $n i32)
    (local $k i32)
    (block $done
      (loop $again
        (br_if $done (i32.ge_u (local.get $k) (i32.const 8)))
        (i32.store8 (i32.add (i32.const 11) (local.get $k))
          (i32.add (i32.const 97)
            (i32.and (i32.shr_u (local.get $n) (i32.mul (local.get $k) (i32.const 4))) (i32.const 15))))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $again))))
  (func (export "on_request") (result i32)
    (local $i i32) (local $st i32) (local $at i32) (local $len i32)
    (local.set $len (call $get_config (i32.const 0) (i32.const 8192)))
    (i64.store (i32.const 16416) (i64.const 0))
    (i32.store (i32.const 16424) (i32.const 0))
    (block $done
      (loop $again
        (br_if $done (i32.ge_u (local.get $i) (i32.const 2048)))
        (call $stamp (i32.load (i32.const 16412)))
        (i32.store (i32.const 16412) (i32.add (i32.load (i32.const 16412)) (i32.const 1)))
        (local.set $st (i32.wrap_i64 (i64.shr_u
          (call $verify (i32.const 16384) (i32.const 2) (i32.const 16400) (i32.const 1)
            (i32.const 0) (local.get $len) (i32.const 0) (i32.const 0))
          (i64.const 32))))
        (local.set $at (i32.const 16424))
        (if (i32.eq (local.get $st) (i32.const 3)) (then (local.set $at (i32.const 16420))))
        (if (i32.eq (local.get $st) (i32.const 5)) (then (local.set $at (i32.const 16416))))
        (i32.store (local.get $at) (i32.add (i32.load (local.get $at)) (i32.const 1)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $again)))
    (drop (call $send_response (i32.const 200) (i32.const 16416) (i32.const 12)))
    (i32.const 1)))
