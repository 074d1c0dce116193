;; slow_configure: on_configure never returns. Tests that the configure
;; deadline stops it, the binding is refused and the host survives.
(module
  (memory (export "memory") 1)
  (func (export "hostd_abi_v1"))
  (func (export "on_configure") (result i32)
    (loop $forever (br $forever))
    (i32.const 0))
  (func (export "on_request") (result i32) (i32.const 1)))
