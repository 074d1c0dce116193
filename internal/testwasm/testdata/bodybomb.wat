;; bodybomb: a hostile plugin that writes bodies until the host refuses. Its
;; binding config is 8 bytes: u32 LE n (chunk length) and m (the host's body
;; limit, as the test configured it).
;;   on_request:  write_body(0, chunk) then write_body(1, chunk) until each
;;                returns too_large (4); then set_body and send_response of
;;                m+1 bytes must return too_large; returns 0 (continue).
;;   on_response: write_body(1, chunk) until too_large, then set_body(1)
;;                of m+1 bytes must return too_large; returns 0.
;; Any other status, or 1000000 ok writes, traps (unreachable).
;; Tests that max_body_bytes bounds every body a plugin writes, in both
;; phases and across repeated writes.
(module
  (import "hostd_v1" "get_config" (func $get_config (param i32 i32) (result i32)))
  (import "hostd_v1" "write_body" (func $write_body (param i32 i32 i32) (result i32)))
  (import "hostd_v1" "set_body" (func $set_body (param i32 i32 i32) (result i32)))
  (import "hostd_v1" "send_response" (func $send_response (param i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "hostd_abi_v1"))
  (func $room (param $n i32)
    (local $pages i32)
    (local.set $pages (i32.add (i32.const 1)
      (i32.shr_u (i32.add (local.get $n) (i32.const 65535)) (i32.const 16))))
    (if (i32.gt_u (local.get $pages) (memory.size))
      (then (drop (memory.grow (i32.sub (local.get $pages) (memory.size))))))
    (memory.fill (i32.const 65536) (i32.const 97) (local.get $n)))
  (func $setup
    (drop (call $get_config (i32.const 0) (i32.const 8)))
    (call $room (i32.add (i32.load (i32.const 4)) (i32.const 1))))
  ;; fill appends chunks to kind until too_large; anything else traps.
  (func $fill (param $kind i32)
    (local $st i32) (local $ok i32)
    (loop $again
      (local.set $st (call $write_body (local.get $kind) (i32.const 65536) (i32.load (i32.const 0))))
      (if (i32.eqz (local.get $st))
        (then
          (local.set $ok (i32.add (local.get $ok) (i32.const 1)))
          (if (i32.ge_u (local.get $ok) (i32.const 1000000)) (then unreachable))
          (br $again))))
    (if (i32.ne (local.get $st) (i32.const 4)) (then unreachable)))
  (func $must_be_too_large (param $st i32)
    (if (i32.ne (local.get $st) (i32.const 4)) (then unreachable)))
  (func $over (result i32) (i32.add (i32.load (i32.const 4)) (i32.const 1)))
  (func (export "on_request") (result i32)
    (call $setup)
    (call $fill (i32.const 0))
    (call $fill (i32.const 1))
    (call $must_be_too_large (call $set_body (i32.const 0) (i32.const 65536) (call $over)))
    (call $must_be_too_large (call $set_body (i32.const 1) (i32.const 65536) (call $over)))
    (call $must_be_too_large (call $send_response (i32.const 200) (i32.const 65536) (call $over)))
    (i32.const 0))
  (func (export "on_response") (result i32)
    (call $setup)
    (call $fill (i32.const 1))
    (call $must_be_too_large (call $set_body (i32.const 1) (i32.const 65536) (call $over)))
    (i32.const 0)))
