//! Every trap kind maps to its wasmux kind and leaves the store usable; instantiation failures.

use crate::support::*;
use wasmux::{Error, Trap, Val};

/// WebAssembly 1.0 only, so that every engine runs all of it.
const MVP_TRAPS: &str = r#"
(module
  (type $v (func))
  (type $i (func (result i32)))
  (type $takes_i32 (func (param i32)))
  (memory 1)
  (table 4 funcref)
  (elem (i32.const 0) $void $int)
  (func $void)
  (func $int (result i32) (i32.const 1))
  (func (export "unreachable") unreachable)
  (func (export "load_past_end") (result i32) (i32.load (i32.const 65536)))
  (func (export "load_across_end") (result i32) (i32.load (i32.const 65534)))
  (func (export "store_at_minus_one") (i32.store (i32.const -1) (i32.const 0)))
  (func (export "div_u_zero") (result i32) (i32.div_u (i32.const 1) (i32.const 0)))
  (func (export "div_s_zero") (result i32) (i32.div_s (i32.const 1) (i32.const 0)))
  (func (export "rem_s_zero") (result i64) (i64.rem_s (i64.const 1) (i64.const 0)))
  (func (export "rem_u_zero") (result i64) (i64.rem_u (i64.const 1) (i64.const 0)))
  (func (export "div_overflow") (result i32) (i32.div_s (i32.const 0x80000000) (i32.const -1)))
  (func (export "trunc_nan") (result i32) (i32.trunc_f32_s (f32.const nan)))
  (func (export "trunc_u32_too_big") (result i32) (i32.trunc_f64_u (f64.const 1e100)))
  (func (export "trunc_u64_too_big") (result i64) (i64.trunc_f64_u (f64.const 1e30)))
  (func (export "wrong_result") (result i32) (call_indirect (type $i) (i32.const 0)))
  (func (export "wrong_param") (call_indirect (type $takes_i32) (i32.const 5) (i32.const 0)))
  (func (export "null_entry") (call_indirect (type $v) (i32.const 2)))
  (func (export "past_table") (call_indirect (type $v) (i32.const 4)))
  (func (export "far_past_table") (call_indirect (type $v) (i32.const 100)))
  (func (export "ok") (result i32) (i32.add (i32.load (i32.const 0)) (i32.const 1)))
)"#;

conformance! {
    fn every_trap_kind(engine) {
        let cases = [
            ("unreachable", Trap::Unreachable),
            ("load_past_end", Trap::MemoryOutOfBounds),
            ("load_across_end", Trap::MemoryOutOfBounds),
            ("store_at_minus_one", Trap::MemoryOutOfBounds),
            ("div_u_zero", Trap::DivideByZero),
            ("div_s_zero", Trap::DivideByZero),
            ("rem_s_zero", Trap::DivideByZero),
            ("rem_u_zero", Trap::DivideByZero),
            ("div_overflow", Trap::IntegerOverflow),
            ("trunc_nan", Trap::BadConversionToInteger),
            ("trunc_u32_too_big", Trap::IntegerOverflow),
            ("trunc_u64_too_big", Trap::IntegerOverflow),
            ("wrong_result", Trap::IndirectCallTypeMismatch),
            ("wrong_param", Trap::IndirectCallTypeMismatch),
            ("null_entry", Trap::TableOutOfBounds),
            ("past_table", Trap::TableOutOfBounds),
            ("far_past_table", Trap::TableOutOfBounds),
        ];
        let (mut store, id) = instance(engine, MVP_TRAPS, &[]);
        let s = store.as_mut();
        for (func, trap) in cases {
            let err = call_err(s, id, func, &[]);
            assert_eq!(err.as_trap(), Some(trap), "{func}: {err}");
            // The store is usable again after every trap.
            assert_eq!(call(s, id, "ok", &[]), [Val::I32(1)], "after {func}");
        }
    }
}

conformance! {
    fn bulk_memory_out_of_bounds(engine) {
        let wat = r#"(module (memory 1)
          (func (export "fill") (memory.fill (i32.const 65000) (i32.const 0) (i32.const 1000))))"#;
        if let Some((mut s, id)) = instance_if(engine, engine.info().caps.bulk_memory, wat, &[]) {
            let err = call_err(s.as_mut(), id, "fill", &[]);
            assert_eq!(err.as_trap(), Some(Trap::MemoryOutOfBounds), "{err}");
        }
    }
}

conformance! {
    fn table_get_out_of_bounds(engine) {
        let wat = r#"(module (table 2 funcref)
          (func (export "get") (result funcref) (table.get (i32.const 9))))"#;
        if let Some((mut s, id)) = instance_if(engine, has_funcref(engine), wat, &[]) {
            let err = call_err(s.as_mut(), id, "get", &[]);
            assert_eq!(err.as_trap(), Some(Trap::TableOutOfBounds), "{err}");
        }
    }
}

conformance! {
    fn unaligned_atomic(engine) {
        let wat = r#"(module (memory 1 1 shared)
          (func (export "load") (result i32) (i32.atomic.load (i32.const 1))))"#;
        if let Some((mut s, id)) = instance_if(engine, engine.info().caps.threads, wat, &[]) {
            let err = call_err(s.as_mut(), id, "load", &[]);
            assert_eq!(err.as_trap(), Some(Trap::UnalignedAtomic), "{err}");
        }
    }
}

/// Typed function references have no capability flag; these engines lack them.
const NO_TYPED_FUNCTION_REFERENCES: &[&str] = &[
    // Winch in wasmtime 48 (ENGINES.md).
    "wasmtime:winch",
    "wasmer",
    "wasmer:llvm",
    "wasm3",
    "wasmi",
];

conformance! {
    fn null_reference(engine) {
        let wat = r#"(module (type $v (func))
          (func (export "call_null") (call_ref $v (ref.null $v))))"#;
        let supported = !NO_TYPED_FUNCTION_REFERENCES.contains(&name(engine));
        if let Some((mut s, id)) = instance_if(engine, supported, wat, &[]) {
            let err = call_err(s.as_mut(), id, "call_null", &[]);
            assert_eq!(err.as_trap(), Some(Trap::NullReference), "{err}");
        }
    }
}

conformance! {
    fn uncaught_exception_is_an_error(engine) {
        let wat = r#"(module (tag $e) (func (export "throw") throw $e)
          (func (export "ok") (result i32) i32.const 2))"#;
        if let Some((mut s, id)) = instance_if(engine, engine.info().caps.exceptions, wat, &[]) {
            let err = call_err(s.as_mut(), id, "throw", &[]);
            assert!(err.to_string().contains("exception"), "{err}");
            assert_eq!(call(s.as_mut(), id, "ok", &[]), [Val::I32(2)]);
        }
    }
}

conformance! {
    fn out_of_bounds_segments_fail_instantiation(engine) {
        for wat in [
            r#"(module (memory 1) (data (i32.const 65535) "ab"))"#,
            // Offsets from 0x80000000 up: wasm3 once read them as signed.
            r#"(module (memory 1) (data (i32.const -16) "0123456789abcdef"))"#,
            r#"(module (memory 1) (data (i32.const -1) "0123456789abcdef"))"#,
            r#"(module (table 1 funcref) (func $f) (elem (i32.const 1) $f))"#,
            r#"(module (table 1 funcref) (func $f) (elem (i32.const 0x7fffffff) $f))"#,
        ] {
            let mut s = store(engine);
            let err = try_instantiate(engine, s.as_mut(), wat, &[]).unwrap_err();
            assert!(matches!(err, Error::Instantiation(_)), "{wat}: {err}");
        }
        // At the very end of the memory and of the table is still in bounds.
        let wat = r#"(module (memory 1) (data (i32.const 65534) "ab")
                       (table 2 funcref) (func $f) (elem (i32.const 1) $f))"#;
        instance(engine, wat, &[]);
    }
}

conformance! {
    fn trapping_start_function_is_that_trap(engine) {
        let mut s = store(engine);
        for (wat, trap) in [
            ("(module (func $s unreachable) (start $s))", Trap::Unreachable),
            (
                "(module (memory 1) (func $s (drop (i32.load (i32.const 70000)))) (start $s))",
                Trap::MemoryOutOfBounds,
            ),
        ] {
            let err = try_instantiate(engine, s.as_mut(), wat, &[]).unwrap_err();
            assert_eq!(err.as_trap(), Some(trap), "{err}");
        }
        // The store is still usable.
        let ok = r#"(module (func (export "f") (result i32) i32.const 3))"#;
        let id = instantiate(engine, s.as_mut(), ok, &[]);
        assert_eq!(call(s.as_mut(), id, "f", &[]), [Val::I32(3)]);
    }
}
