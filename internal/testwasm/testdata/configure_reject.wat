;; configure_reject: on_configure reads its configuration with get_config
;; (buf_limit protocol, 2-byte buffer) and accepts it (0) only if it is
;; empty or exactly "{}"; anything else returns invalid_argument (3), so
;; the binding must be refused. on_request answers 200 "configured".
(module
  (import "hostd_v1" "get_config" (func $get_config (param i32 i32) (result i32)))
  (import "hostd_v1" "send_response" (func $send_response (param i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "configured")
  (func (export "hostd_abi_v1"))
  (func (export "on_configure") (result i32)
    (local $n i32)
    (local.set $n (call $get_config (i32.const 64) (i32.const 2)))
    (if (i32.eqz (local.get $n))
      (then (return (i32.const 0))))
    (if (i32.ne (local.get $n) (i32.const 2))
      (then (return (i32.const 3))))
    (if (i32.ne (i32.load16_u (i32.const 64)) (i32.const 0x7d7b)) ;; "{}" little-endian
      (then (return (i32.const 3))))
    (i32.const 0))
  (func (export "on_request") (result i32)
    (drop (call $send_response (i32.const 200) (i32.const 0) (i32.const 10)))
    (i32.const 1)))
