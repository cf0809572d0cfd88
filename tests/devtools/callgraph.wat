;; A known call graph for the profiler's and tracer's tests: `main` calls `a` 3 times, each
;; `a` calls `b` twice, each `b` reaches `c` through a table, and `main` calls one host
;; function once. `main` returns 12; `never` is never called.
(module
  (import "wasi_snapshot_preview1" "random_get" (func $random_get (param i32 i32) (result i32)))
  (type $unary (func (param i32) (result i32)))
  (memory (export "memory") 1)
  (table 1 funcref)
  (elem (i32.const 0) $c)
  (func $main (export "main") (result i32)
    (local $i i32) (local $sum i32)
    (loop $again
      (local.set $sum (i32.add (local.get $sum) (call $a (local.get $i))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $again (i32.lt_u (local.get $i) (i32.const 3))))
    (drop (call $random_get (i32.const 0) (i32.const 8)))
    (local.get $sum))
  (func $a (param i32) (result i32)
    (i32.add (call $b (local.get 0)) (call $b (i32.const 1))))
  (func $b (param i32) (result i32)
    (call_indirect (type $unary) (local.get 0) (i32.const 0)))
  (func $c (param i32) (result i32)
    (i32.add (local.get 0) (i32.const 1)))
  (func $never (param i32) (result i32)
    (call $c (local.get 0)))
  ;; Values of every numeric type through the tracer: 5 + 1.5 + 2.25 = 8.75.
  (func $mix (export "mix") (param i64 f32 f64) (result f64)
    (f64.add (f64.add (f64.convert_i64_s (local.get 0)) (f64.promote_f32 (local.get 1)))
             (local.get 2)))
  ;; Two calls deep, then a trap.
  (func $boom (export "boom") (call $deep))
  (func $deep (unreachable)))
