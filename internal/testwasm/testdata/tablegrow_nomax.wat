;; tablegrow_nomax: a table without a declared maximum in a module that
;; uses table.grow: wazero would allocate whatever the guest asks for, so
;; the upload must be refused.
(module
  (memory (export "memory") 1)
  (table $t 1 funcref)
  (func (export "hostd_abi_v1"))
  (func (export "on_request") (result i32)
    (drop (table.grow $t (ref.null func) (i32.const 100000000)))
    (i32.const 1)))
