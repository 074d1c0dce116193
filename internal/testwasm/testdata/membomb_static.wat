;; membomb_static: declares 20000 initial pages (1.25 GiB), over any
;; sensible memory limit; the host must refuse it at upload/instantiation
;; without allocating it.
(module
  (memory (export "memory") 20000)
  (func (export "hostd_abi_v1"))
  (func (export "on_request") (result i32) (i32.const 1)))
