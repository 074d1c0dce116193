;; echo: a handler that exercises the request getters. It answers 200,
;; Content-Type text/plain, with the body
;;   "METHOD PATH?QUERY name=VAR x-test=HEADER"
;; where VAR is the route variable "name" and HEADER the first value of the
;; request header X-Test (get_header kind 0). Each value is read with the
;; buf_limit protocol into a fixed 256-byte buffer; a missing value or one
;; longer than 256 bytes is written as nothing. The body is built piece by
;; piece with write_body (kind 1).
(module
  (import "hostd_v1" "get_method" (func $get_method (param i32 i32) (result i32)))
  (import "hostd_v1" "get_path" (func $get_path (param i32 i32) (result i32)))
  (import "hostd_v1" "get_query" (func $get_query (param i32 i32) (result i32)))
  (import "hostd_v1" "get_route_var" (func $get_route_var (param i32 i32 i32 i32) (result i64)))
  (import "hostd_v1" "get_header" (func $get_header (param i32 i32 i32 i32 i32) (result i64)))
  (import "hostd_v1" "write_body" (func $write_body (param i32 i32 i32) (result i32)))
  (import "hostd_v1" "set_header" (func $set_header (param i32 i32 i32 i32 i32) (result i32)))
  (import "hostd_v1" "set_status" (func $set_status (param i32) (result i32)))
  (memory (export "memory") 1)
  ;; constants
  (data (i32.const 0) " ")          ;; 1 byte
  (data (i32.const 8) "?")          ;; 1
  (data (i32.const 16) " name=")    ;; 6
  (data (i32.const 32) " x-test=")  ;; 8
  (data (i32.const 48) "name")      ;; 4
  (data (i32.const 64) "X-Test")    ;; 6
  (data (i32.const 80) "Content-Type") ;; 12
  (data (i32.const 96) "text/plain")   ;; 10
  ;; scratch buffer at 1024, 256 bytes
  (func $out (param $ptr i32) (param $len i32)
    (drop (call $write_body (i32.const 1) (local.get $ptr) (local.get $len))))
  ;; write the value a getter left in scratch if it fit, else nothing
  (func $out_scratch (param $len i32)
    (if (i32.le_u (local.get $len) (i32.const 256))
      (then (call $out (i32.const 1024) (local.get $len)))))
  (func (export "hostd_abi_v1"))
  (func (export "on_request") (result i32)
    (local $r i64)
    (call $out_scratch (call $get_method (i32.const 1024) (i32.const 256)))
    (call $out (i32.const 0) (i32.const 1))
    (call $out_scratch (call $get_path (i32.const 1024) (i32.const 256)))
    (call $out (i32.const 8) (i32.const 1))
    (call $out_scratch (call $get_query (i32.const 1024) (i32.const 256)))
    (call $out (i32.const 16) (i32.const 6))
    (local.set $r (call $get_route_var (i32.const 48) (i32.const 4) (i32.const 1024) (i32.const 256)))
    (if (i64.ne (i64.shr_u (local.get $r) (i64.const 32)) (i64.const 0))
      (then (call $out_scratch (i32.wrap_i64 (local.get $r)))))
    (call $out (i32.const 32) (i32.const 8))
    (local.set $r (call $get_header (i32.const 0) (i32.const 64) (i32.const 6) (i32.const 1024) (i32.const 256)))
    (if (i64.ne (i64.shr_u (local.get $r) (i64.const 32)) (i64.const 0))
      (then (call $out_scratch (i32.wrap_i64 (local.get $r)))))
    (drop (call $set_header (i32.const 1) (i32.const 80) (i32.const 12) (i32.const 96) (i32.const 10)))
    (drop (call $set_status (i32.const 200)))
    (i32.const 1)))
