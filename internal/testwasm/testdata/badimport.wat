;; badimport: imports a function from a module plugins may not use.
(module
  (import "env" "abort" (func $abort))
  (memory (export "memory") 1)
  (func (export "hostd_abi_v1"))
  (func (export "on_request") (result i32) (call $abort) (i32.const 1)))
