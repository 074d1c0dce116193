;; addheader: a filter that edits headers in both phases.
;;   on_request:  set_header(request, "X-Added", "yes") for the target to
;;                see, add_header(response, "X-Filter", "seen"); returns 0
;;                (continue).
;;   on_response: set_header(response, "X-Response-Phase", "yes"); returns 0.
;; Tests that request edits reach the target, that response headers set
;; before the target survive, and that on_response runs on the way back.
(module
  (import "hostd_v1" "set_header" (func $set_header (param i32 i32 i32 i32 i32) (result i32)))
  (import "hostd_v1" "add_header" (func $add_header (param i32 i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "X-Added")           ;; 7
  (data (i32.const 16) "yes")              ;; 3
  (data (i32.const 32) "X-Filter")         ;; 8
  (data (i32.const 48) "seen")             ;; 4
  (data (i32.const 64) "X-Response-Phase") ;; 16
  (func (export "hostd_abi_v1"))
  (func (export "on_request") (result i32)
    (drop (call $set_header (i32.const 0) (i32.const 0) (i32.const 7) (i32.const 16) (i32.const 3)))
    (drop (call $add_header (i32.const 1) (i32.const 32) (i32.const 8) (i32.const 48) (i32.const 4)))
    (i32.const 0))
  (func (export "on_response") (result i32)
    (drop (call $set_header (i32.const 1) (i32.const 64) (i32.const 16) (i32.const 16) (i32.const 3)))
    (i32.const 0)))
