;; trap: on_request executes unreachable. Tests that a trap fails only its
;; own request (500) and that the instance is replaced.
(module
  (memory (export "memory") 1)
  (func (export "hostd_abi_v1"))
  (func (export "on_request") (result i32) unreachable))
