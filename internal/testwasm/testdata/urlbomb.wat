;; urlbomb: a hostile filter that sets a long path and a long query. Its
;; binding config is 4 bytes: u32 LE n.
;;   on_request: set_path("/" followed by n-1 bytes of 'a'), then
;;               set_query(n bytes of 'a'), then answers send_response(200)
;;               with 8 bytes: the two statuses (u32 LE each).
;; Tests limits.max_plugin_url_bytes: a path or query over it is too_large
;; and leaves the request unchanged.
(module
  (import "hostd_v1" "get_config" (func $get_config (param i32 i32) (result i32)))
  (import "hostd_v1" "set_path" (func $set_path (param i32 i32) (result i32)))
  (import "hostd_v1" "set_query" (func $set_query (param i32 i32) (result i32)))
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
  (func (export "on_request") (result i32)
    (local $n i32)
    (drop (call $get_config (i32.const 0) (i32.const 4)))
    (local.set $n (i32.load (i32.const 0)))
    (call $room (local.get $n))
    (i32.store8 (i32.const 65536) (i32.const 47)) ;; "/"
    (i32.store (i32.const 32) (call $set_path (i32.const 65536) (local.get $n)))
    (memory.fill (i32.const 65536) (i32.const 97) (local.get $n))
    (i32.store (i32.const 36) (call $set_query (i32.const 65536) (local.get $n)))
    (drop (call $send_response (i32.const 200) (i32.const 32) (i32.const 8)))
    (i32.const 1)))
