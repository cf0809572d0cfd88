;; For the profiler: `main` spins in `busy` a while (so that samples fall there), then recurses
;; through `rec` and `leaf` and traps seven levels down. The frames still running at the trap
;; are named from its backtrace.
(module
  (func $leaf (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then unreachable)
      (else (call $rec (i32.sub (local.get 0) (i32.const 1))))))
  (func $rec (param i32) (result i32) (call $leaf (local.get 0)))
  (func $busy (local i32)
    (loop $l
      (local.set 0 (i32.add (local.get 0) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get 0) (i32.const 200000)))))
  (func $main (export "main") (call $busy) (drop (call $rec (i32.const 6)))))
