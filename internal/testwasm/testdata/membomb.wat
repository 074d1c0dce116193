;; membomb: on_request grows memory without end, then traps. It asks for
;; 1000 pages (62.5 MiB) at a time until memory.grow returns -1, then halves
;; the step down to 1 page, so it ends with its memory exactly at the host's
;; limit; then it executes unreachable. Tests that the host refuses growth
;; past its memory limit (never allocating without bound) and reports the
;; failure as a memory-limit breach (the engine recognises one by the
;; memory size being close to the limit when the guest fails).
(module
  (memory (export "memory") 1)
  (func (export "hostd_abi_v1"))
  (func (export "on_request") (result i32)
    (local $step i32)
    (local.set $step (i32.const 1000))
    (block $full
      (loop $grow
        (if (i32.eq (memory.grow (local.get $step)) (i32.const -1))
          (then
            ;; refused: try a smaller step; stop after 1 page was refused
            (local.set $step (i32.shr_u (local.get $step) (i32.const 1)))
            (br_if $full (i32.eqz (local.get $step)))))
        (br $grow)))
    unreachable))
