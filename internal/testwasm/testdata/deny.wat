;; deny: a filter that always answers 403 "denied" (send_response) and
;; returns 1, ending the chain: later filters and the target must not run.
(module
  (import "hostd_v1" "send_response" (func $send_response (param i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "denied")
  (func (export "hostd_abi_v1"))
  (func (export "on_request") (result i32)
    (drop (call $send_response (i32.const 403) (i32.const 0) (i32.const 6)))
    (i32.const 1)))
