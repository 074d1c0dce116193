;; asyncify: hello with the exports that binaryen's asyncify pass adds, as a
;; TinyGo module built with the default (asyncify) scheduler has them
;; (asyncify_start_unwind, _stop_unwind, _start_rewind, _stop_rewind,
;; _get_state, with binaryen's signatures). Otherwise a valid plugin: an
;; upload must be refused with unsupported_scheduler for these exports alone.
(module
  (import "hostd_v1" "send_response" (func $send_response (param i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (global $state (mut i32) (i32.const 0))
  (data (i32.const 16) "hello from wat")
  (func (export "hostd_abi_v1"))
  (func (export "on_request") (result i32)
    (drop (call $send_response (i32.const 200) (i32.const 16) (i32.const 14)))
    (i32.const 1))
  (func (export "asyncify_start_unwind") (param i32) (global.set $state (i32.const 1)))
  (func (export "asyncify_stop_unwind") (global.set $state (i32.const 0)))
  (func (export "asyncify_start_rewind") (param i32) (global.set $state (i32.const 2)))
  (func (export "asyncify_stop_rewind") (global.set $state (i32.const 0)))
  (func (export "asyncify_get_state") (result i32) (global.get $state)))
