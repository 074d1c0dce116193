;; publishbomb: a hostile plugin that sends messages until the host refuses.
;; Its binding config is 8 bytes: u32 LE n (data length) and op (0:
;; msg_publish on the subject "bomb.x", 1: msg_request with a 1 s timeout on
;; "void.x").
;;   on_request: sends until a call returns too_large (4), at most 1000000
;;               times, and answers send_response(200) with 4 bytes: the
;;               number of sends before it (u32 LE). It traps if no call
;;               returned too_large.
;;   on_message: the same with msg_respond; returns ok.
;; Tests limits.max_publish_per_call and limits.max_publish_bytes_per_call.
(module
  (import "hostd_v1" "get_config" (func $get_config (param i32 i32) (result i32)))
  (import "hostd_v1" "msg_publish" (func $publish (param i32 i32 i32 i32 i32 i32) (result i32)))
  (import "hostd_v1" "msg_request" (func $request (param i32 i32 i32 i32 i32 i32 i64) (result i32)))
  (import "hostd_v1" "msg_respond" (func $respond (param i32 i32 i32 i32) (result i32)))
  (import "hostd_v1" "send_response" (func $send_response (param i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 64) "bomb.x")
  (data (i32.const 80) "void.x")
  (func (export "hostd_abi_v1"))
  (func $room (param $n i32)
    (local $pages i32)
    (local.set $pages (i32.add (i32.const 1)
      (i32.shr_u (i32.add (local.get $n) (i32.const 65535)) (i32.const 16))))
    (if (i32.gt_u (local.get $pages) (memory.size))
      (then (drop (memory.grow (i32.sub (local.get $pages) (memory.size))))))
    (memory.fill (i32.const 65536) (i32.const 97) (local.get $n)))
  (func $send (param $op i32) (result i32)
    (local $n i32)
    (local.set $n (i32.load (i32.const 0)))
    (if (result i32) (i32.eq (local.get $op) (i32.const 2))
      (then (call $respond (i32.const 0) (i32.const 0) (i32.const 65536) (local.get $n)))
      (else (if (result i32) (local.get $op)
        (then (call $request (i32.const 80) (i32.const 6) (i32.const 0) (i32.const 0)
          (i32.const 65536) (local.get $n) (i64.const 1000)))
        (else (call $publish (i32.const 64) (i32.const 6) (i32.const 0) (i32.const 0)
          (i32.const 65536) (local.get $n)))))))
  ;; bomb sends with op until too_large and returns the number of sends.
  (func $bomb (param $op i32) (result i32)
    (local $sent i32)
    (loop $again
      (if (i32.ne (call $send (local.get $op)) (i32.const 4))
        (then
          (local.set $sent (i32.add (local.get $sent) (i32.const 1)))
          (if (i32.ge_u (local.get $sent) (i32.const 1000000)) (then unreachable))
          (br $again))))
    (local.get $sent))
  (func $setup
    (drop (call $get_config (i32.const 0) (i32.const 8)))
    (call $room (i32.load (i32.const 0))))
  (func (export "on_request") (result i32)
    (call $setup)
    (i32.store (i32.const 32) (call $bomb (i32.load (i32.const 4))))
    (drop (call $send_response (i32.const 200) (i32.const 32) (i32.const 4)))
    (i32.const 1))
  (func (export "on_message") (result i32)
    (call $setup)
    (drop (call $bomb (i32.const 2)))
    (i32.const 0)))
