;; loop: on_request never returns (the call deadline must stop it).
(module
  (memory (export "memory") 1)
  (func (export "hostd_abi_v1"))
  (func (export "on_request") (result i32)
    (loop $forever (br $forever))
    (i32.const 0)))
