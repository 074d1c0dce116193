;; sendto: sends one message where its binding config says and reports the
;; status. Config: one op byte ('p': msg_publish, 'r': msg_request with a
;; 1 s timeout) followed by the subject (at most 256 bytes). The data is
;; "forged".
;;   on_request: sends, then send_response(200) with 4 bytes: the status
;;               the host returned (u32 LE).
;;   on_message: answers with msg_respond and returns its status.
;; Tests that no grant reaches a reserved subject space ($…, _INBOX…,
;; hostd.).
(module
  (import "hostd_v1" "get_config" (func $get_config (param i32 i32) (result i32)))
  (import "hostd_v1" "msg_publish" (func $publish (param i32 i32 i32 i32 i32 i32) (result i32)))
  (import "hostd_v1" "msg_request" (func $request (param i32 i32 i32 i32 i32 i32 i64) (result i32)))
  (import "hostd_v1" "msg_respond" (func $respond (param i32 i32 i32 i32) (result i32)))
  (import "hostd_v1" "send_response" (func $send_response (param i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 512) "forged")
  (func (export "hostd_abi_v1"))
  (func (export "on_request") (result i32)
    (local $n i32)
    (local.set $n (call $get_config (i32.const 0) (i32.const 257)))
    (if (i32.gt_u (local.get $n) (i32.const 257)) (then unreachable))
    (i32.store (i32.const 1024)
      (if (result i32) (i32.eq (i32.load8_u (i32.const 0)) (i32.const 114))
        (then (call $request (i32.const 1) (i32.sub (local.get $n) (i32.const 1)) (i32.const 0) (i32.const 0)
          (i32.const 512) (i32.const 6) (i64.const 1000)))
        (else (call $publish (i32.const 1) (i32.sub (local.get $n) (i32.const 1)) (i32.const 0) (i32.const 0)
          (i32.const 512) (i32.const 6)))))
    (drop (call $send_response (i32.const 200) (i32.const 1024) (i32.const 4)))
    (i32.const 1))
  (func (export "on_message") (result i32)
    (call $respond (i32.const 0) (i32.const 0) (i32.const 512) (i32.const 6))))
