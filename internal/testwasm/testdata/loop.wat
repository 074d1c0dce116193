;; loop: on_request never returns. Tests that the call deadline stops it
;; (504) and that the host keeps serving.
(module
  (memory (export "memory") 1)
  (func (export "hostd_abi_v1"))
  (func (export "on_request") (result i32)
    (loop $forever (br $forever))
    (i32.const 0)))
