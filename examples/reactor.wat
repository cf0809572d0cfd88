;; A WASI reactor: no `_start`, an `_initialize` that must run first, and entry points that read
;; their command line through WASI, as interpreters packaged as reactors do.
;;   wasmux run --invoke run examples/reactor.wat -c 'print(1)'   prints each argv entry on a line
;;   wasmux run --invoke add examples/reactor.wat 2 3             prints 5 (argv is "2" "3" too)
(module
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_get" (func $args_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (global $ready (mut i32) (i32.const 0))
  (data (i32.const 32) "\n")

  (func (export "_initialize")
    (global.set $ready (i32.const 1)))

  ;; Writes `len` bytes at `ptr` to stdout.
  (func $print (param $ptr i32) (param $len i32)
    (i32.store (i32.const 16) (local.get $ptr))
    (i32.store (i32.const 20) (local.get $len))
    (drop (call $fd_write (i32.const 1) (i32.const 16) (i32.const 1) (i32.const 24))))

  (func $strlen (param $p i32) (result i32)
    (local $n i32)
    (block $done
      (loop $next
        (br_if $done (i32.eqz (i32.load8_u (i32.add (local.get $p) (local.get $n)))))
        (local.set $n (i32.add (local.get $n) (i32.const 1)))
        (br $next)))
    (local.get $n))

  ;; Prints argv, one entry a line; traps if `_initialize` has not run.
  (func (export "run")
    (local $argc i32) (local $i i32) (local $p i32)
    (if (i32.eqz (global.get $ready)) (then unreachable))
    ;; argc at 0, the strings' total size at 4; pointers at 1024, strings from 4096.
    (drop (call $args_sizes_get (i32.const 0) (i32.const 4)))
    (local.set $argc (i32.load (i32.const 0)))
    (drop (call $args_get (i32.const 1024) (i32.const 4096)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $argc)))
        (local.set $p (i32.load (i32.add (i32.const 1024) (i32.shl (local.get $i) (i32.const 2)))))
        (call $print (local.get $p) (call $strlen (local.get $p)))
        (call $print (i32.const 32) (i32.const 1))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next))))

  (func (export "add") (param i32 i32) (result i32)
    (if (i32.eqz (global.get $ready)) (then unreachable))
    (i32.add (local.get 0) (local.get 1))))
