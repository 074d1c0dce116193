;; badsig: imports hostd_v1.get_path with the wrong type (i64 result
;; instead of i32); the host must refuse it at upload.
(module
  (import "hostd_v1" "get_path" (func $get_path (param i32 i32) (result i64)))
  (memory (export "memory") 1)
  (func (export "hostd_abi_v1"))
  (func (export "on_request") (result i32) (i32.const 1)))
