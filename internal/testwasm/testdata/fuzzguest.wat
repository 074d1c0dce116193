;; fuzzguest: the smallest plugin with a fixed one-page memory (64 KiB, no
;; growth). on_request returns 0 (continue); on_message returns 0 (ok).
;; The engine's fuzz tests call host functions directly against this
;; instance's memory, so that every pointer near its end is exercised.
(module
  (memory (export "memory") 1 1)
  (func (export "hostd_abi_v1"))
  (func (export "on_request") (result i32) (i32.const 0))
  (func (export "on_message") (result i32) (i32.const 0)))
