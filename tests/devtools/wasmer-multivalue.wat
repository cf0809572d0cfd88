;; What the probe pass makes of if.wast's `add64_u_saturated` (spec suite, wasm-v2/if.wast:712):
;; a call returning two values whose callee calls an imported function with i64 arguments
;; right before `return`. wasmer 7.4's Singlepass code traps with "memory out of bounds" on
;; `add64_u_saturated(0, 0)`; wasmtime, wasmer's LLVM, wasm3 and wasmi return 0. The spec
;; suite lists the affected directives in spec-expected/wasmer.toml's [[instrumented]]; the
;; CLI test `devtools::wasmer_singlepass_miscompiles_a_probed_multi_value_call` fails once a
;; wasmer release fixes it, so that the entries go.
(module
  (type (;0;) (func (param i64 i64 i32) (result i64 i32)))
  (type (;1;) (func (param i64 i64) (result i64)))
  (type (;2;) (func (param i64) (result i64)))
  (type (;3;) (func (param i32 i64 i64)))
  (type (;4;) (func (param i32 i64 i64 i64)))
  (type (;5;) (func (param i32)))
  (type (;6;) (func (param i32 i64)))
  (import "wasmux_probe" "enter2" (func (;0;) (type 3)))
  (import "wasmux_probe" "enter3" (func (;1;) (type 4)))
  (import "wasmux_probe" "exit0" (func (;2;) (type 5)))
  (import "wasmux_probe" "exit1" (func (;3;) (type 6)))
  (import "wasmux_probe" "exit2" (func (;4;) (type 3)))
  (export "add64_u_with_carry" (func $add64_u_with_carry))
  (export "add64_u_saturated" (func $add64_u_saturated))
  (func $add64_u_with_carry (;5;) (type 0) (param $i i64) (param $j i64) (param $c i32) (result i64 i32)
    (local $k i64) (local i64 i32)
    i32.const 0
    local.get $i
    local.get $j
    local.get $c
    i64.extend_i32_u
    call 1
    local.get $i
    local.get $j
    i64.add
    local.get $c
    i64.extend_i32_u
    i64.add
    local.set $k
    local.get $k
    local.get $k
    local.get $i
    i64.lt_u
    local.set 5
    local.set 4
    i32.const 0
    local.get 4
    local.get 5
    i64.extend_i32_u
    call 4
    local.get 4
    local.get 5
    return
    local.set 5
    local.set 4
    i32.const 0
    local.get 4
    local.get 5
    i64.extend_i32_u
    call 4
    local.get 4
    local.get 5
  )
  (func $add64_u_saturated (;6;) (type 1) (param i64 i64) (result i64)
    (local i64)
    i32.const 1
    local.get 0
    local.get 1
    call 0
    local.get 0
    local.get 1
    i32.const 0
    call $add64_u_with_carry
    if (type 2) (param i64) (result i64) ;; label = @1
      drop
      i64.const -1
    end
    local.set 2
    i32.const 1
    local.get 2
    call 3
    local.get 2
  )
)
