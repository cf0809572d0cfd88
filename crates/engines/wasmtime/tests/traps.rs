//! Every trap kind, stack overflow, and instantiation failures.

mod common;

use common::*;
use wasmux_core::{Error, StoreConfig, Trap, Val};

const TRAPS: &str = r#"
(module
  (type $v (func))
  (type $i (func (result i32)))
  (func $nop)
  (table 2 funcref)
  (elem (i32.const 0) $nop)
  (memory 1)
  (func (export "unreachable") unreachable)
  (func (export "oob_load") (result i32) (i32.load (i32.const 65536)))
  (func (export "oob_store") (i32.store (i32.const -1) (i32.const 0)))
  (func (export "div_zero") (result i32) (i32.div_u (i32.const 1) (i32.const 0)))
  (func (export "rem_zero") (result i64) (i64.rem_s (i64.const 1) (i64.const 0)))
  (func (export "overflow") (result i32) (i32.div_s (i32.const 0x80000000) (i32.const -1)))
  (func (export "bad_conversion") (result i32) (i32.trunc_f32_s (f32.const nan)))
  (func (export "conversion_overflow") (result i32) (i32.trunc_f64_u (f64.const 1e100)))
  (func (export "signature") (result i32) (call_indirect (type $i) (i32.const 0)))
  (func (export "table_oob") (call_indirect (type $v) (i32.const 5)))
  (func (export "uninitialized") (call_indirect (type $v) (i32.const 1)))
  (func (export "table_get_oob") (result funcref) (table.get (i32.const 9)))
  (func (export "memory_fill_oob") (memory.fill (i32.const 65000) (i32.const 0) (i32.const 1000)))
  (func $deep (export "recurse") (param i32) (result i32)
    (i32.add (call $deep (i32.add (local.get 0) (i32.const 1))) (i32.const 1)))
  (func (export "ok") (result i32) i32.const 1)
)"#;

#[test]
fn every_trap_kind() {
    let cases = [
        ("unreachable", Trap::Unreachable),
        ("oob_load", Trap::MemoryOutOfBounds),
        ("oob_store", Trap::MemoryOutOfBounds),
        ("memory_fill_oob", Trap::MemoryOutOfBounds),
        ("div_zero", Trap::DivideByZero),
        ("rem_zero", Trap::DivideByZero),
        ("overflow", Trap::IntegerOverflow),
        ("bad_conversion", Trap::BadConversionToInteger),
        ("conversion_overflow", Trap::IntegerOverflow),
        ("signature", Trap::IndirectCallTypeMismatch),
        ("table_oob", Trap::TableOutOfBounds),
        ("uninitialized", Trap::TableOutOfBounds),
        ("table_get_oob", Trap::TableOutOfBounds),
    ];
    each_engine(|engine| {
        let mut store = store(engine);
        let inst = instantiate(engine, store.as_mut(), TRAPS, &[]);
        for (func, trap) in cases {
            let err = store.call(inst, func, &[]).unwrap_err();
            assert_eq!(err.as_trap(), Some(trap), "{func}: {err}");
            assert_eq!(call(store.as_mut(), inst, "ok", &[]), [Val::I32(1)]);
        }
    });
}

#[test]
fn deep_recursion_overflows_the_stack_and_the_store_survives() {
    for config in [
        StoreConfig::default(),
        StoreConfig {
            max_stack_bytes: Some(64 * 1024),
        },
    ] {
        each_engine(|engine| {
            let mut store = engine.new_store(&config).unwrap();
            let inst = instantiate(engine, store.as_mut(), TRAPS, &[]);
            for _ in 0..2 {
                let err = store.call(inst, "recurse", &[Val::I32(0)]).unwrap_err();
                assert_eq!(err.as_trap(), Some(Trap::StackOverflow), "{err}");
                assert_eq!(call(store.as_mut(), inst, "ok", &[]), [Val::I32(1)]);
            }
        });
    }
}

#[test]
fn null_reference() {
    let wat = r#"(module
      (type $v (func))
      (func (export "call_null") (call_ref $v (ref.null $v))))"#;
    each_engine(|engine| {
        let mut store = store(engine);
        // Winch lacks typed function references.
        let Some(inst) = instantiate_unless(engine, store.as_mut(), wat, &[], &["wasmtime:winch"])
        else {
            return;
        };
        let err = store.call(inst, "call_null", &[]).unwrap_err();
        assert_eq!(err.as_trap(), Some(Trap::NullReference), "{err}");
    });
}

#[test]
fn unaligned_atomic() {
    let wat = r#"(module
      (memory 1 1 shared)
      (func (export "load") (result i32) (i32.atomic.load (i32.const 1))))"#;
    each_engine(|engine| {
        let mut store = store(engine);
        // Pulley has no threads (shared memory).
        let Some(inst) = instantiate_unless(engine, store.as_mut(), wat, &[], &["wasmtime:pulley"])
        else {
            return;
        };
        let err = store.call(inst, "load", &[]).unwrap_err();
        assert_eq!(err.as_trap(), Some(Trap::UnalignedAtomic), "{err}");
    });
}

#[test]
fn out_of_bounds_segments_fail_instantiation() {
    let data = r#"(module (memory 1) (data (i32.const 65535) "ab"))"#;
    let elem = r#"(module (func $f) (table 1 funcref) (elem (i32.const 1) $f))"#;
    each_engine(|engine| {
        let mut store = store(engine);
        for wat in [data, elem] {
            let err = try_instantiate(engine, store.as_mut(), wat, &[]).unwrap_err();
            assert!(matches!(err, Error::Instantiation(_)), "{err}");
        }
    });
}

#[test]
fn trapping_start_function() {
    let wat = r#"(module (memory 1) (func $s (drop (i32.load (i32.const 70000)))) (start $s))"#;
    each_engine(|engine| {
        let mut store = store(engine);
        let err = try_instantiate(engine, store.as_mut(), wat, &[]).unwrap_err();
        assert_eq!(err.as_trap(), Some(Trap::MemoryOutOfBounds), "{err}");
        let ok = r#"(module (func (export "f") (result i32) i32.const 3))"#;
        let inst = instantiate(engine, store.as_mut(), ok, &[]);
        assert_eq!(call(store.as_mut(), inst, "f", &[]), [Val::I32(3)]);
    });
}

#[test]
fn uncaught_exception_is_an_error() {
    let wat = r#"(module (tag $e) (func (export "throw") throw $e)
      (func (export "ok") (result i32) i32.const 2))"#;
    each_engine(|engine| {
        let mut store = store(engine);
        let Some(inst) = instantiate_unless(engine, store.as_mut(), wat, &[], &["wasmtime:winch"])
        else {
            return;
        };
        let err = store.call(inst, "throw", &[]).unwrap_err();
        assert!(err.to_string().contains("exception"), "{err}");
        assert_eq!(call(store.as_mut(), inst, "ok", &[]), [Val::I32(2)]);
    });
}
