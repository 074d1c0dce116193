;; kvfill: a hostile handler that fills its KV namespace. on_request writes
;; 32 KiB values under new keys ("fill-" + an 8-byte counter) with
;; kv_put until a write is refused (or 100000 writes), then tries to create
;; one more key "cas-new" (also 32 KiB) with kv_cas (expected 0), and
;; answers 200 with "put=S cas=C n=N": the status that stopped the loop (0
;; if none did), the kv_cas status, and the writes that succeeded in this
;; call.
;;
;; The counter is a global, so the next request on the same instance goes on
;; with the next new key: once the namespace is full, every request is
;; refused at once and writes nothing.
;;
;; Tests: the per-plugin KV quota (too_large, 4), the store-wide cap and
;; the disk reserve (unavailable, 6), and that refused writes do not grow
;; registry.db.
(module
  (import "hostd_v1" "kv_put" (func $kv_put (param i32 i32 i32 i32 i64 i32) (result i32)))
  (import "hostd_v1" "kv_cas" (func $kv_cas (param i32 i32 i32 i32 i64 i64 i32) (result i32)))
  (import "hostd_v1" "write_body" (func $write_body (param i32 i32 i32) (result i32)))
  (import "hostd_v1" "set_status" (func $set_status (param i32) (result i32)))
  (memory (export "memory") 1)

  ;; Memory layout:
  ;;   0     key: "fill-" then the counter, u64 LE at 5 (13 bytes)
  ;;   16    key "cas-new" (7 bytes)
  ;;   64    itoa scratch, digits end at 96
  ;;   128   texts "put=", " cas=", " n="
  ;;   32768 the value: 32768 zero bytes, to the end of the page
  (data (i32.const 0) "fill-")
  (data (i32.const 16) "cas-new")
  (data (i32.const 128) "put=")  ;; 4
  (data (i32.const 136) " cas=") ;; 5
  (data (i32.const 144) " n=")   ;; 3

  (global $next (mut i64) (i64.const 0))

  ;; $itoa writes $v in decimal so that it ends at 96 and returns the
  ;; offset of its first digit.
  (func $itoa (param $v i64) (result i32)
    (local $p i32)
    (local.set $p (i32.const 96))
    (loop $digit
      (local.set $p (i32.sub (local.get $p) (i32.const 1)))
      (i64.store8 (local.get $p)
        (i64.add (i64.const 48) (i64.rem_u (local.get $v) (i64.const 10))))
      (local.set $v (i64.div_u (local.get $v) (i64.const 10)))
      (br_if $digit (i64.ne (local.get $v) (i64.const 0))))
    (local.get $p))

  ;; $text writes the text at $msg and then $v in decimal to the body.
  (func $text (param $msg i32) (param $len i32) (param $v i64)
    (local $p i32)
    (drop (call $write_body (i32.const 1) (local.get $msg) (local.get $len)))
    (local.set $p (call $itoa (local.get $v)))
    (drop (call $write_body (i32.const 1) (local.get $p) (i32.sub (i32.const 96) (local.get $p)))))

  (func (export "hostd_abi_v1"))

  (func (export "on_request") (result i32)
    (local $status i32)
    (local $n i64)
    (block $done
      (loop $fill
        (br_if $done (i64.ge_u (local.get $n) (i64.const 100000)))
        (i64.store (i32.const 5) (global.get $next))
        (local.set $status
          (call $kv_put (i32.const 0) (i32.const 13) (i32.const 32768) (i32.const 32768)
            (i64.const 0) (i32.const 0)))
        (br_if $done (i32.ne (local.get $status) (i32.const 0)))
        (global.set $next (i64.add (global.get $next) (i64.const 1)))
        (local.set $n (i64.add (local.get $n) (i64.const 1)))
        (br $fill)))
    (drop (call $set_status (i32.const 200)))
    (call $text (i32.const 128) (i32.const 4) (i64.extend_i32_u (local.get $status)))
    (call $text (i32.const 136) (i32.const 5)
      (i64.extend_i32_u
        (call $kv_cas (i32.const 16) (i32.const 7) (i32.const 32768) (i32.const 32768)
          (i64.const 0) (i64.const 0) (i32.const 0))))
    (call $text (i32.const 144) (i32.const 3) (local.get $n))
    (i32.const 1)))
