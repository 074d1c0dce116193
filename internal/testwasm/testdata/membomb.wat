;; membomb: on_request grows memory 64 pages at a time until memory.grow
;; fails (the host's limit), then traps. The host must refuse the growth,
;; never allocate without bound.
(module
  (memory (export "memory") 1)
  (func (export "hostd_abi_v1"))
  (func (export "on_request") (result i32)
    (block $done
      (loop $grow
        (br_if $done (i32.eq (memory.grow (i32.const 64)) (i32.const -1)))
        (br $grow)))
    unreachable))
