package hostile

import "fmt"

// Small attacks written in WAT, compiled with wat2wasm at test time
// (wabt.Compile). Each answers in a way the tests can tell apart.

// HeaderBombWAT adds count values of size bytes ('a's) to the response
// header X-Big, then answers 200. The value lives in memory from 64 KiB on,
// so the module declares enough pages for it.
func HeaderBombWAT(count, size int) string {
	pages := 1 + (size+65535)/65536
	return fmt.Sprintf(`(module
  (import "hostd_v1" "add_header" (func $add_header (param i32 i32 i32 i32 i32) (result i32)))
  (import "hostd_v1" "send_response" (func $send_response (param i32 i32 i32) (result i32)))
  (memory (export "memory") %d)
  (data (i32.const 0) "X-Big")
  (func (export "hostd_abi_v1"))
  (func (export "on_request") (result i32)
    (local $i i32)
    (memory.fill (i32.const 65536) (i32.const 97) (i32.const %d))
    (block $done
      (loop $add
        (br_if $done (i32.ge_u (local.get $i) (i32.const %d)))
        (drop (call $add_header (i32.const 1) (i32.const 0) (i32.const 5) (i32.const 65536) (i32.const %d)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $add)))
    (drop (call $send_response (i32.const 200) (i32.const 0) (i32.const 5)))
    (i32.const 1)))`, pages, size, count, size)
}

// KVFillWAT puts fresh keys (now() and a counter: 16 bytes) with values of
// valueSize zero bytes, up to puts per request and for at most 700 ms. The
// first refusal answers 507 "kv_put status N" (N the status digit); else
// 200 with the number of puts done, in decimal.
func KVFillWAT(valueSize, puts int) string {
	pages := 2 + (valueSize+65535)/65536
	return fmt.Sprintf(`(module
  (import "hostd_v1" "kv_put" (func $kv_put (param i32 i32 i32 i32 i64 i32) (result i32)))
  (import "hostd_v1" "now" (func $now (result i64)))
  (import "hostd_v1" "send_response" (func $send_response (param i32 i32 i32) (result i32)))
  (memory (export "memory") %d)
  (global $n (mut i64) (i64.const 0))
  (data (i32.const 32) "kv_put status ?")
  (func (export "hostd_abi_v1"))
  (func (export "on_request") (result i32)
    (local $i i32) (local $s i32) (local $end i64)
    (local.set $end (i64.add (call $now) (i64.const 700000000)))
    (block $done
      (loop $put
        (br_if $done (i32.ge_u (local.get $i) (i32.const %d)))
        (br_if $done (i64.gt_s (call $now) (local.get $end)))
        (i64.store (i32.const 0) (call $now))
        (global.set $n (i64.add (global.get $n) (i64.const 1)))
        (i64.store (i32.const 8) (global.get $n))
        (local.set $s (call $kv_put (i32.const 0) (i32.const 16) (i32.const 65536) (i32.const %d) (i64.const 0) (i32.const 0)))
        (if (local.get $s)
          (then
            (i32.store8 (i32.const 46) (i32.add (i32.const 48) (local.get $s)))
            (drop (call $send_response (i32.const 507) (i32.const 32) (i32.const 15)))
            (return (i32.const 1))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $put)))
    ;; 200 "N": the puts done, in decimal, written backwards to end at 96
    (local.set $s (i32.const 96))
    (loop $digit
      (local.set $s (i32.sub (local.get $s) (i32.const 1)))
      (i32.store8 (local.get $s) (i32.add (i32.const 48) (i32.rem_u (local.get $i) (i32.const 10))))
      (local.set $i (i32.div_u (local.get $i) (i32.const 10)))
      (br_if $digit (local.get $i)))
    (drop (call $send_response (i32.const 200) (local.get $s) (i32.sub (i32.const 96) (local.get $s))))
    (i32.const 1)))`, pages, puts, valueSize)
}

// MemGrowWAT grows memory one page at a time until memory.grow fails,
// writes every byte of it, then traps: every request ends in 500 with the
// instance at the memory limit.
const MemGrowWAT = `(module
  (memory (export "memory") 1)
  (func (export "hostd_abi_v1"))
  (func (export "on_request") (result i32)
    (loop $grow
      (br_if $grow (i32.ne (memory.grow (i32.const 1)) (i32.const -1))))
    (memory.fill (i32.const 0) (i32.const 1) (i32.mul (memory.size) (i32.const 65536)))
    unreachable))`

// MemFillWAT grows memory to the limit, then fills all of it 8 times, then
// traps (500).
const MemFillWAT = `(module
  (memory (export "memory") 1)
  (func (export "hostd_abi_v1"))
  (func (export "on_request") (result i32)
    (local $i i32)
    (loop $grow
      (br_if $grow (i32.ne (memory.grow (i32.const 1)) (i32.const -1))))
    (loop $fill
      (memory.fill (i32.const 0) (local.get $i) (i32.mul (memory.size) (i32.const 65536)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $fill (i32.lt_u (local.get $i) (i32.const 8))))
    unreachable))`

// HoldWAT holds its instance for ms milliseconds, spinning on the host
// function now (a loop with a host call: the deadline can stop it), then
// answers 200 "ok".
func HoldWAT(ms int) string {
	return fmt.Sprintf(`(module
  (import "hostd_v1" "now" (func $now (result i64)))
  (import "hostd_v1" "send_response" (func $send_response (param i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "ok")
  (func (export "hostd_abi_v1"))
  (func (export "on_request") (result i32)
    (local $end i64)
    (local.set $end (i64.add (call $now) (i64.const %d)))
    (loop $spin
      (br_if $spin (i64.lt_s (call $now) (local.get $end))))
    (drop (call $send_response (i32.const 200) (i32.const 0) (i32.const 2)))
    (i32.const 1)))`, ms*1_000_000)
}
