;; kv: a handler that counts its requests in KV. on_request increments the
;; key "n" with a read-modify-write loop and answers 200 with the new count
;; as decimal text ("1", "2", ...).
;;
;; Tests: kv_get (StatusLen result, revision written at $rev, not_found for
;; an absent key), kv_cas (expected revision, 0 = create only) and the
;; retry on conflict (2), so concurrent requests on several instances never
;; lose an increment. The stored value is the count as a u64 little-endian
;; (8 bytes).
;;
;; Failures answer 500 with the body "kv_get status S" or "kv_cas status S";
;; a stored value that is not 8 bytes answers 500 "kv bad value"; 1000
;; conflicts in a row answer 409 "kv conflict".
(module
  (import "hostd_v1" "kv_get" (func $kv_get (param i32 i32 i32 i32 i32) (result i64)))
  (import "hostd_v1" "kv_cas" (func $kv_cas (param i32 i32 i32 i32 i64 i64 i32) (result i32)))
  (import "hostd_v1" "write_body" (func $write_body (param i32 i32 i32) (result i32)))
  (import "hostd_v1" "set_status" (func $set_status (param i32) (result i32)))
  (import "hostd_v1" "send_response" (func $send_response (param i32 i32 i32) (result i32)))
  (memory (export "memory") 1)

  ;; Memory layout:
  ;;   0    key "n" (1 byte)
  ;;   16   revision written by kv_get (8 bytes)
  ;;   32   value: the count, u64 LE (8 bytes; kv_get buf_limit 8)
  ;;   64   itoa scratch, digits end at 96 (a u64 has at most 20 digits)
  ;;   128  message texts
  (data (i32.const 0) "n")
  (data (i32.const 128) "kv_get status ")  ;; 14
  (data (i32.const 144) "kv_cas status ")  ;; 14
  (data (i32.const 160) "kv bad value")    ;; 12
  (data (i32.const 176) "kv conflict")     ;; 11

  ;; $itoa writes $v in decimal so that it ends at 96 and returns the
  ;; offset of its first digit (its length is 96 - that offset).
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

  ;; $fail answers $code with the message at $msg and the decimal $status.
  (func $fail (param $code i32) (param $msg i32) (param $msg_len i32) (param $status i32) (result i32)
    (local $p i32)
    (drop (call $set_status (local.get $code)))
    (drop (call $write_body (i32.const 1) (local.get $msg) (local.get $msg_len)))
    (local.set $p (call $itoa (i64.extend_i32_u (local.get $status))))
    (drop (call $write_body (i32.const 1) (local.get $p) (i32.sub (i32.const 96) (local.get $p))))
    (i32.const 1))

  (func (export "hostd_abi_v1"))

  (func (export "on_request") (result i32)
    (local $r i64)        ;; kv_get result (StatusLen)
    (local $status i32)
    (local $count i64)
    (local $expected i64) ;; revision to compare against; 0 = absent
    (local $tries i32)
    (local $p i32)
    (loop $retry
      (local.set $r (call $kv_get (i32.const 0) (i32.const 1) (i32.const 32) (i32.const 8) (i32.const 16)))
      (local.set $status (i32.wrap_i64 (i64.shr_u (local.get $r) (i64.const 32))))
      (block $read
        ;; not_found: start from 0 and create the key.
        (if (i32.eq (local.get $status) (i32.const 1))
          (then
            (local.set $count (i64.const 0))
            (local.set $expected (i64.const 0))
            (br $read)))
        (if (i32.ne (local.get $status) (i32.const 0))
          (then (return (call $fail (i32.const 500) (i32.const 128) (i32.const 14) (local.get $status)))))
        (if (i32.ne (i32.wrap_i64 (local.get $r)) (i32.const 8))
          (then
            (drop (call $send_response (i32.const 500) (i32.const 160) (i32.const 12)))
            (return (i32.const 1))))
        (local.set $count (i64.load (i32.const 32)))
        (local.set $expected (i64.load (i32.const 16))))
      (local.set $count (i64.add (local.get $count) (i64.const 1)))
      (i64.store (i32.const 32) (local.get $count))
      (local.set $status
        (call $kv_cas (i32.const 0) (i32.const 1) (i32.const 32) (i32.const 8)
          (i64.const 0) (local.get $expected) (i32.const 0)))
      ;; conflict: another request wrote first; read again.
      (if (i32.eq (local.get $status) (i32.const 2))
        (then
          (local.set $tries (i32.add (local.get $tries) (i32.const 1)))
          (if (i32.ge_u (local.get $tries) (i32.const 1000))
            (then
              (drop (call $send_response (i32.const 409) (i32.const 176) (i32.const 11)))
              (return (i32.const 1))))
          (br $retry))))
    (if (i32.ne (local.get $status) (i32.const 0))
      (then (return (call $fail (i32.const 500) (i32.const 144) (i32.const 14) (local.get $status)))))
    (local.set $p (call $itoa (local.get $count)))
    (drop (call $send_response (i32.const 200) (local.get $p) (i32.sub (i32.const 96) (local.get $p))))
    (i32.const 1)))
