;; jwtbomb: a hostile plugin that passes jwt_verify ever new, ever longer
;; policies (spaces: an empty, valid policy). Its binding config is 8 bytes:
;; u32 LE n (the first policy's length) and reps.
;;   on_request: reps times, jwt_verify("ks", "good", n+i spaces) for
;;               i = 0..reps-1, then answers send_response(200) with 8
;;               bytes: how many calls returned invalid_argument and how
;;               many anything else (u32 LE each).
;; Tests the jwt_verify policy bound: verifiers cache parsed policies by
;; their bytes, so a plugin must not make them keep long ones.
(module
  (import "hostd_v1" "get_config" (func $get_config (param i32 i32) (result i32)))
  (import "hostd_v1" "jwt_verify" (func $verify (param i32 i32 i32 i32 i32 i32 i32 i32) (result i64)))
  (import "hostd_v1" "send_response" (func $send_response (param i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 64) "ks")
  (data (i32.const 80) "good")
  (func (export "hostd_abi_v1"))
  (func $room (param $n i32)
    (local $pages i32)
    (local.set $pages (i32.add (i32.const 1)
      (i32.shr_u (i32.add (local.get $n) (i32.const 65535)) (i32.const 16))))
    (if (i32.gt_u (local.get $pages) (memory.size))
      (then (drop (memory.grow (i32.sub (local.get $pages) (memory.size))))))
    (memory.fill (i32.const 65536) (i32.const 32) (local.get $n)))
  (func (export "on_request") (result i32)
    (local $i i32) (local $st i32)
    (drop (call $get_config (i32.const 0) (i32.const 8)))
    (call $room (i32.add (i32.load (i32.const 0)) (i32.load (i32.const 4))))
    (block $done
      (loop $again
        (br_if $done (i32.ge_u (local.get $i) (i32.load (i32.const 4))))
        (local.set $st (i32.wrap_i64 (i64.shr_u
          (call $verify (i32.const 64) (i32.const 2) (i32.const 80) (i32.const 4)
            (i32.const 65536) (i32.add (i32.load (i32.const 0)) (local.get $i))
            (i32.const 0) (i32.const 0))
          (i64.const 32))))
        (if (i32.eq (local.get $st) (i32.const 3))
          (then (i32.store (i32.const 32) (i32.add (i32.load (i32.const 32)) (i32.const 1))))
          (else (i32.store (i32.const 36) (i32.add (i32.load (i32.const 36)) (i32.const 1)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $again)))
    (drop (call $send_response (i32.const 200) (i32.const 32) (i32.const 8)))
    (i32.const 1)))
