;; hello: the smallest handler. on_request answers 200 "hello from wat"
;; (send_response with a data segment) and returns 1 (respond).
(module
  (import "hostd_v1" "send_response" (func $send_response (param i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "hello from wat")
  (func (export "hostd_abi_v1"))
  (func (export "on_request") (result i32)
    (drop (call $send_response (i32.const 200) (i32.const 16) (i32.const 14)))
    (i32.const 1)))
