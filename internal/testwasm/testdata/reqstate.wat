;; reqstate: a filter that carries per-request state to on_response with
;; set_request_state, on any instance.
;;   on_configure: enable_features(64) (any_instance_response); returns 0.
;;   on_request:   get_request_state must return 0 (nothing kept yet for
;;                 this request and chain element), else unreachable; then
;;                 set_request_state("kept") must return 0; returns 0.
;;   on_response:  get_request_state(256, 64) must return 4; add_header
;;                 (response, "X-State", the 4 bytes read); returns 0.
;; Tests that request state is private to one request and one element of
;; the chain and reaches on_response on whichever instance runs it.
(module
  (import "hostd_v1" "enable_features" (func $enable_features (param i64) (result i64)))
  (import "hostd_v1" "set_request_state" (func $set_request_state (param i32 i32) (result i32)))
  (import "hostd_v1" "get_request_state" (func $get_request_state (param i32 i32) (result i32)))
  (import "hostd_v1" "add_header" (func $add_header (param i32 i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "kept")      ;; 4
  (data (i32.const 16) "X-State")  ;; 7
  (func (export "hostd_abi_v1"))
  (func (export "on_configure") (result i32)
    (drop (call $enable_features (i64.const 64)))
    (i32.const 0))
  (func (export "on_request") (result i32)
    (if (call $get_request_state (i32.const 256) (i32.const 64)) (then unreachable))
    (if (call $set_request_state (i32.const 0) (i32.const 4)) (then unreachable))
    (i32.const 0))
  (func (export "on_response") (result i32)
    (if (i32.ne (call $get_request_state (i32.const 256) (i32.const 64)) (i32.const 4))
      (then unreachable))
    (drop (call $add_header (i32.const 1) (i32.const 16) (i32.const 7) (i32.const 256) (i32.const 4)))
    (i32.const 0)))
