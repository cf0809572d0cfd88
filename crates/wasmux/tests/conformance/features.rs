//! What each engine claims in its capabilities is what it compiles; what it lacks, it refuses
//! with `Unsupported`, naming itself.

use crate::support::*;
use wasmux::Val;

conformance! {
    fn claimed_proposals_compile_and_the_others_are_refused(engine) {
        let caps = &engine.info().caps;
        let cases = [
            (caps.simd, "(func (result v128) (i32x4.add (v128.const i64x2 1 2) (v128.const i64x2 3 4)))"),
            (caps.multi_value, "(func (result i32 i32) (i32.const 1) (i32.const 2))"),
            (caps.multi_memory, "(memory 1) (memory 1) (func (result i32) (i32.load 1 (i32.const 0)))"),
            (caps.memory64, "(memory i64 1) (func (result i32) (i32.load (i64.const 0)))"),
            (caps.tail_call, "(func $f (result i32) (return_call $f))"),
            (caps.exceptions, "(tag $e) (func (try_table (catch_all 0) (throw $e)))"),
            (caps.extended_const, "(global i32 (i32.add (i32.const 1) (i32.const 2)))"),
            (caps.threads, "(memory 1 1 shared) (func (result i32) (i32.atomic.load (i32.const 0)))"),
            (caps.reference_types, "(table 1 externref) (func (param externref) (result i32) (ref.is_null (local.get 0)))"),
            (caps.bulk_memory, "(memory 1) (func (memory.copy (i32.const 0) (i32.const 1) (i32.const 2)))"),
        ];
        for (claimed, body) in cases {
            compile_if(engine, claimed, &format!("(module {body})"));
        }
    }
}

conformance! {
    fn simd_runs_where_claimed(engine) {
        let wat = r#"(module
          (func (export "splat") (param i32) (result v128) (i32x4.splat (local.get 0))))"#;
        if let Some((mut s, id)) = instance_if(engine, engine.info().caps.simd, wat, &[]) {
            let out = call(s.as_mut(), id, "splat", &[Val::I32(1)]);
            assert_eq!(out, [Val::V128(0x0000_0001_0000_0001_0000_0001_0000_0001)]);
        }
    }
}

conformance! {
    fn tail_calls_run_where_claimed(engine) {
        let wat = r#"(module
          (func $loop (export "count") (param i32) (result i32)
            (if (result i32) (i32.eqz (local.get 0))
              (then (i32.const 42))
              (else (return_call $loop (i32.sub (local.get 0) (i32.const 1)))))))"#;
        if let Some((mut s, id)) = instance_if(engine, engine.info().caps.tail_call, wat, &[]) {
            // Deep enough to overflow the stack without tail calls.
            let out = call(s.as_mut(), id, "count", &[Val::I32(1_000_000)]);
            assert_eq!(out, [Val::I32(42)]);
        }
    }
}
