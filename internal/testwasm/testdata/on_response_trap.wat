;; on_response_trap: a filter whose on_request continues (0) and whose
;; on_response executes unreachable. Tests failures in the response phase.
(module
  (memory (export "memory") 1)
  (func (export "hostd_abi_v1"))
  (func (export "on_request") (result i32) (i32.const 0))
  (func (export "on_response") (result i32) unreachable))
