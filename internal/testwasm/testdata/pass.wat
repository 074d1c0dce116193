;; pass: a filter that only continues: on_request returns 0 (continue); it
;; exports no on_response.
;; Tests that the host returns such a filter's instance to its pool as soon
;; as on_request returns, so a slow target or client never holds it.
(module
  (memory (export "memory") 1)
  (func (export "hostd_abi_v1"))
  (func (export "on_request") (result i32)
    (i32.const 0)))
