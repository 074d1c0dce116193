;; nomarker: like hello but without the hostd_abi_v1 marker export; the
;; host must refuse it at upload (not an ABI v1 guest).
(module
  (import "hostd_v1" "send_response" (func $send_response (param i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "on_request") (result i32)
    (drop (call $send_response (i32.const 200) (i32.const 0) (i32.const 0)))
    (i32.const 1)))
