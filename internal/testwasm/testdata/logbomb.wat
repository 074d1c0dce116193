;; logbomb: a hostile plugin that floods the log. Its binding config is 12
;; bytes: u32 LE n, op and reps.
;;   on_request: reps times: op 0 writes n newlines to stdout (fd_write),
;;               op 1 writes n bytes of 'a' with no newline, op 2 calls
;;               log(info, ptr, n) on n bytes of 'a'; then returns 0
;;               (continue).
;; Tests that log lines are truncated to 4096 bytes, that the partial-line
;; buffer does not grow, and that lines are rate-limited.
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "hostd_v1" "get_config" (func $get_config (param i32 i32) (result i32)))
  (import "hostd_v1" "log" (func $log (param i32 i32 i32)))
  (memory (export "memory") 1)
  (func (export "hostd_abi_v1"))
  (func $room (param $n i32) (param $byte i32)
    (local $pages i32)
    (local.set $pages (i32.add (i32.const 1)
      (i32.shr_u (i32.add (local.get $n) (i32.const 65535)) (i32.const 16))))
    (if (i32.gt_u (local.get $pages) (memory.size))
      (then (drop (memory.grow (i32.sub (local.get $pages) (memory.size))))))
    (memory.fill (i32.const 65536) (local.get $byte) (local.get $n)))
  (func (export "on_request") (result i32)
    (local $n i32) (local $op i32) (local $i i32)
    (drop (call $get_config (i32.const 0) (i32.const 12)))
    (local.set $n (i32.load (i32.const 0)))
    (local.set $op (i32.load (i32.const 4)))
    (call $room (local.get $n) (select (i32.const 10) (i32.const 97) (i32.eqz (local.get $op))))
    ;; iovec at 16: {65536, n}; nwritten at 24
    (i32.store (i32.const 16) (i32.const 65536))
    (i32.store (i32.const 20) (local.get $n))
    (block $done
      (loop $again
        (br_if $done (i32.ge_u (local.get $i) (i32.load (i32.const 8))))
        (if (i32.eq (local.get $op) (i32.const 2))
          (then (call $log (i32.const 0) (i32.const 65536) (local.get $n)))
          (else (drop (call $fd_write (i32.const 1) (i32.const 16) (i32.const 1) (i32.const 24)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $again)))
    (i32.const 0)))
