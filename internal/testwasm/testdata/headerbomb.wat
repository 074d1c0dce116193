;; headerbomb: a hostile filter that adds header values until the host
;; refuses. Its binding config is 8 bytes: u32 LE n (value length) and op
;; (0: add_header, 1: set_header).
;;   on_request: for kind 0 (request), then kind 1 (response), calls
;;               op(kind, "X-Bomb", n bytes of 'a') until a call does not
;;               return ok (at most 1000000 times), then answers
;;               send_response(200) with 16 bytes: for each kind the number
;;               of ok calls and the last status (u32 LE each).
;; Tests limits.max_plugin_headers and limits.max_plugin_header_bytes: the
;; host must refuse with too_large and keep what it accepted.
(module
  (import "hostd_v1" "get_config" (func $get_config (param i32 i32) (result i32)))
  (import "hostd_v1" "add_header" (func $add_header (param i32 i32 i32 i32 i32) (result i32)))
  (import "hostd_v1" "set_header" (func $set_header (param i32 i32 i32 i32 i32) (result i32)))
  (import "hostd_v1" "send_response" (func $send_response (param i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 64) "X-Bomb")
  (func (export "hostd_abi_v1"))
  ;; room grows memory so that [65536, 65536+n) exists and fills it with 'a'.
  (func $room (param $n i32)
    (local $pages i32)
    (local.set $pages (i32.add (i32.const 1)
      (i32.shr_u (i32.add (local.get $n) (i32.const 65535)) (i32.const 16))))
    (if (i32.gt_u (local.get $pages) (memory.size))
      (then (drop (memory.grow (i32.sub (local.get $pages) (memory.size))))))
    (memory.fill (i32.const 65536) (i32.const 97) (local.get $n)))
  (func $bomb (param $kind i32) (param $out i32)
    (local $st i32) (local $ok i32)
    (loop $again
      (if (i32.load (i32.const 4))
        (then (local.set $st (call $set_header (local.get $kind)
          (i32.const 64) (i32.const 6) (i32.const 65536) (i32.load (i32.const 0)))))
        (else (local.set $st (call $add_header (local.get $kind)
          (i32.const 64) (i32.const 6) (i32.const 65536) (i32.load (i32.const 0))))))
      (if (i32.eqz (local.get $st))
        (then
          (local.set $ok (i32.add (local.get $ok) (i32.const 1)))
          (br_if $again (i32.lt_u (local.get $ok) (i32.const 1000000))))))
    (i32.store (local.get $out) (local.get $ok))
    (i32.store offset=4 (local.get $out) (local.get $st)))
  (func (export "on_request") (result i32)
    (drop (call $get_config (i32.const 0) (i32.const 8)))
    (call $room (i32.load (i32.const 0)))
    (call $bomb (i32.const 0) (i32.const 32))
    (call $bomb (i32.const 1) (i32.const 40))
    (drop (call $send_response (i32.const 200) (i32.const 32) (i32.const 16)))
    (i32.const 1)))
