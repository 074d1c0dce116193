;; tablegrow: on_request grows a table by 2^32-1 elements. The table
;; declares a maximum of 16, so the grow fails (-1) and costs nothing; the
;; guest then traps.
(module
  (memory (export "memory") 1)
  (table $t 1 16 funcref)
  (func (export "hostd_abi_v1"))
  (func (export "on_request") (result i32)
    (if (i32.eq (table.grow $t (ref.null func) (i32.const -1)) (i32.const -1))
      (then unreachable))
    (i32.const 1)))
