;; on_response_trap: a filter that continues, then traps in on_response.
(module
  (memory (export "memory") 1)
  (func (export "hostd_abi_v1"))
  (func (export "on_request") (result i32) (i32.const 0))
  (func (export "on_response") (result i32) unreachable))
