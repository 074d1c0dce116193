;; pathstatus: a filter that tries a status and a path taken from its
;; binding config: u32 LE status, then the path bytes.
;;   on_request: a = set_status(status), b = set_path(path), then
;;               c = send_response(status) with 8 bytes (a, b as u32 LE);
;;               if c is not ok, send_response(200) with 12 bytes (a, b, c).
;; Tests that set_status and send_response accept only final statuses
;; 200..599 and that set_path refuses paths a target could resolve
;; elsewhere (leading //, dot segments, backslashes, control characters).
(module
  (import "hostd_v1" "get_config" (func $get_config (param i32 i32) (result i32)))
  (import "hostd_v1" "set_status" (func $set_status (param i32) (result i32)))
  (import "hostd_v1" "set_path" (func $set_path (param i32 i32) (result i32)))
  (import "hostd_v1" "send_response" (func $send_response (param i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "hostd_abi_v1"))
  (func (export "on_request") (result i32)
    (local $n i32)
    (local $status i32)
    (local.set $n (call $get_config (i32.const 1024) (i32.const 4096)))
    (local.set $status (i32.load (i32.const 1024)))
    (i32.store (i32.const 32) (call $set_status (local.get $status)))
    (i32.store (i32.const 36)
      (call $set_path (i32.const 1028) (i32.sub (local.get $n) (i32.const 4))))
    (i32.store (i32.const 40)
      (call $send_response (local.get $status) (i32.const 32) (i32.const 8)))
    (if (i32.load (i32.const 40))
      (then (drop (call $send_response (i32.const 200) (i32.const 32) (i32.const 12)))))
    (i32.const 1)))
