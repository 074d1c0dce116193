;; config_echo: on_request answers 200 with the raw bytes of its binding's
;; configuration (get_config, up to 4 KiB; a larger one answers an empty
;; body). Tests that route config reaches the guest ("{}" when none).
(module
  (import "hostd_v1" "get_config" (func $get_config (param i32 i32) (result i32)))
  (import "hostd_v1" "send_response" (func $send_response (param i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "hostd_abi_v1"))
  (func (export "on_request") (result i32)
    (local $n i32)
    (local.set $n (call $get_config (i32.const 1024) (i32.const 4096)))
    (if (i32.gt_u (local.get $n) (i32.const 4096)) (then (local.set $n (i32.const 0))))
    (drop (call $send_response (i32.const 200) (i32.const 1024) (local.get $n)))
    (i32.const 1)))
