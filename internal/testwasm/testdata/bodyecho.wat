;; bodyecho: a handler that answers with the request body it reads.
;;   on_request: get_body(request, 1024, 61440); status ok: send_response(200)
;;               with the body; any other status s: send_response(500) with
;;               the single byte '0'+s. Returns 1 (respond).
;; Tests that get_body never waits on the client: the host reads the body
;; of a route whose plugins import get_body before any instance is taken.
(module
  (import "hostd_v1" "get_body" (func $get_body (param i32 i32 i32) (result i64)))
  (import "hostd_v1" "send_response" (func $send_response (param i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "hostd_abi_v1"))
  (func (export "on_request") (result i32)
    (local $r i64)
    (local $st i32)
    (local.set $r (call $get_body (i32.const 0) (i32.const 1024) (i32.const 61440)))
    (local.set $st (i32.wrap_i64 (i64.shr_u (local.get $r) (i64.const 32))))
    (if (i32.eqz (local.get $st))
      (then
        (drop (call $send_response (i32.const 200) (i32.const 1024)
          (i32.wrap_i64 (local.get $r)))))
      (else
        (i32.store8 (i32.const 0) (i32.add (i32.const 48) (local.get $st)))
        (drop (call $send_response (i32.const 500) (i32.const 0) (i32.const 1)))))
    (i32.const 1)))
