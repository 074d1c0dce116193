;; kvlistbomb: a hostile plugin that asks kv_list for as many keys as an
;; i32 can say.
;;   on_request: kv_list(prefix "", after "", max 2147483647, buf_limit 0)
;;               and answers send_response(200) with the 8-byte StatusLen
;;               result (u64 LE).
;; Tests that the host clamps a listing to MaxKVListKeys keys per call.
(module
  (import "hostd_v1" "kv_list" (func $list (param i32 i32 i32 i32 i32 i32 i32) (result i64)))
  (import "hostd_v1" "send_response" (func $send_response (param i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "hostd_abi_v1"))
  (func (export "on_request") (result i32)
    (i64.store (i32.const 32) (call $list (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0)
      (i32.const 2147483647) (i32.const 0) (i32.const 0)))
    (drop (call $send_response (i32.const 200) (i32.const 32) (i32.const 8)))
    (i32.const 1)))
