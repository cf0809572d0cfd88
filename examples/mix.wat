;; A loop no compiler can fold into a formula: each step multiplies, xors and rotates a hash.
;; `wasmux run examples/mix.wat --invoke mix 10000000`
(module
  (func (export "mix") (param $n i64) (result i64)
    (local $i i64) (local $h i64)
    (local.set $h (i64.const 0x243F6A8885A308D3))
    (block $done
      (loop $next
        (br_if $done (i64.ge_u (local.get $i) (local.get $n)))
        (local.set $h
          (i64.rotl
            (i64.mul (i64.xor (local.get $h) (local.get $i)) (i64.const 0x100000001B3))
            (i64.const 29)))
        (local.set $i (i64.add (local.get $i) (i64.const 1)))
        (br $next)))
    (local.get $h)))
