;; recurse: on_request recurses without end, keeping eight locals alive
;; across each call. The stack budget must stop it (a trap) long before
;; the stack costs the host much memory.
(module
  (memory (export "memory") 1)
  (func (export "hostd_abi_v1"))
  (func $r (param $n i64) (result i64)
    (local $a i64) (local $b i64) (local $c i64) (local $d i64)
    (local $e i64) (local $f i64) (local $g i64) (local $h i64)
    (local.set $a (i64.add (local.get $n) (i64.const 1)))
    (local.set $b (i64.add (local.get $a) (i64.const 2)))
    (local.set $c (i64.add (local.get $b) (i64.const 3)))
    (local.set $d (i64.add (local.get $c) (i64.const 4)))
    (local.set $e (i64.add (local.get $d) (i64.const 5)))
    (local.set $f (i64.add (local.get $e) (i64.const 6)))
    (local.set $g (i64.add (local.get $f) (i64.const 7)))
    (local.set $h (i64.add (local.get $g) (i64.const 8)))
    (i64.add (call $r (local.get $h))
      (i64.add (i64.add (i64.add (local.get $a) (local.get $b)) (i64.add (local.get $c) (local.get $d)))
               (i64.add (i64.add (local.get $e) (local.get $f)) (i64.add (local.get $g) (local.get $h))))))
  (func (export "on_request") (result i32)
    (drop (call $r (i64.const 0)))
    (i32.const 1)))
