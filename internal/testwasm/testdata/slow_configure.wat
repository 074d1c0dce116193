;; slow_configure: on_configure never returns (the configure deadline must
;; stop it and the binding must be refused).
(module
  (memory (export "memory") 1)
  (func (export "hostd_abi_v1"))
  (func (export "on_configure") (result i32)
    (loop $forever (br $forever))
    (i32.const 0))
  (func (export "on_request") (result i32) (i32.const 1)))
