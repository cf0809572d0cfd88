;; The guest the firmware runs: a host call that reads guest memory, arithmetic, and traps.
(module
  (import "host" "print" (func $print (param i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "hello from a wasm guest on a Cortex-M4")

  (func (export "hello")
    (call $print (i32.const 16) (i32.const 38)))

  ;; Asks the host to print bytes past the end of memory: the host must refuse, not read them.
  (func (export "print_out_of_bounds")
    (call $print (i32.const 65530) (i32.const 100)))

  (func $fib (export "fib") (param $n i64) (result i64)
    (if (result i64) (i64.lt_u (local.get $n) (i64.const 2))
      (then (local.get $n))
      (else
        (i64.add
          (call $fib (i64.sub (local.get $n) (i64.const 1)))
          (call $fib (i64.sub (local.get $n) (i64.const 2)))))))

  (func (export "divide") (param i32 i32) (result i32)
    (i32.div_s (local.get 0) (local.get 1)))

  ;; Grows its memory 16 pages (1 MiB) at a time until the host refuses: the pages it got.
  (func (export "grow_until_refused") (result i32)
    (loop $more
      (br_if $more (i32.ne (memory.grow (i32.const 16)) (i32.const -1))))
    (memory.size))

  (func $recurse (export "recurse") (result i32)
    (i32.add (call $recurse) (i32.const 1))))
