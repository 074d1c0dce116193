;; badimport: imports env.abort, from a module plugins may not import
;; from; the host must refuse it at upload.
(module
  (import "env" "abort" (func $abort))
  (memory (export "memory") 1)
  (func (export "hostd_abi_v1"))
  (func (export "on_request") (result i32) (call $abort) (i32.const 1)))
