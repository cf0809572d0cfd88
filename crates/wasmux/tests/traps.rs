//! Every trap kind reads the same on every engine.

mod common;
use common::*;
use wasmux::{Error, Limits, Runtime, Trap, Val};

const TRAPS: &str = r#"(module
  (type $v (func))
  (type $i (func (result i32)))
  (memory 1)
  (table 2 funcref)
  (elem (i32.const 0) $nop)
  (func $nop)
  (func (export "unreachable") unreachable)
  (func (export "oob") (result i32) (i32.load (i32.const 65536)))
  (func (export "div0") (result i32) (i32.div_s (i32.const 1) (i32.const 0)))
  (func (export "overflow") (result i32) (i32.div_s (i32.const 0x80000000) (i32.const -1)))
  (func (export "conversion") (result i32) (i32.trunc_f32_s (f32.const nan)))
  (func (export "mismatch") (result i32) (call_indirect (type $i) (i32.const 0)))
  (func (export "table_oob") (call_indirect (type $v) (i32.const 7)))
  (func (export "null_entry") (call_indirect (type $v) (i32.const 1))))"#;

#[test]
fn each_trap_kind_is_the_same_on_every_engine() {
    let cases = [
        ("unreachable", Trap::Unreachable),
        ("oob", Trap::MemoryOutOfBounds),
        ("div0", Trap::DivideByZero),
        ("overflow", Trap::IntegerOverflow),
        ("conversion", Trap::BadConversionToInteger),
        ("mismatch", Trap::IndirectCallTypeMismatch),
        ("table_oob", Trap::TableOutOfBounds),
        ("null_entry", Trap::TableOutOfBounds),
    ];
    for engine in engines() {
        let mut inst = instance(&engine, TRAPS, Limits::default());
        for (func, want) in cases {
            let got = trap_of(&engine, inst.call(func, &[]));
            assert_eq!(got, want, "{engine}: {func}");
        }
    }
}

#[test]
fn values_of_every_basic_type_round_trip() {
    let wat = r#"(module
      (func (export "i32") (param i32) (result i32) local.get 0)
      (func (export "i64") (param i64) (result i64) local.get 0)
      (func (export "f32") (param f32) (result f32) local.get 0)
      (func (export "f64") (param f64) (result f64) local.get 0))"#;
    let cases = [
        ("i32", Val::I32(-7)),
        ("i64", Val::I64(i64::MIN)),
        // A NaN with a payload must come back bit for bit.
        ("f32", Val::F32(0x7fc0_0001)),
        ("f64", Val::f64(-0.0)),
    ];
    for engine in engines() {
        let mut inst = instance(&engine, wat, Limits::default());
        for (func, v) in cases {
            let out = inst
                .call(func, &[v])
                .unwrap_or_else(|e| panic!("{engine}: {e}"));
            assert_eq!(out, vec![v], "{engine}: {func}");
        }
    }
}

#[test]
fn multi_value_works_or_is_refused_clearly() {
    let wat = r#"(module
      (func (export "swap") (param i32 i64) (result i64 i32) local.get 1 local.get 0))"#;
    for engine in engines() {
        let runtime = Runtime::builder().engine(&engine).build().unwrap();
        match runtime.instantiate(&module(wat)) {
            Ok(mut inst) => assert_eq!(
                inst.call("swap", &[Val::I32(1), Val::I64(2)]).unwrap(),
                vec![Val::I64(2), Val::I32(1)],
                "{engine}"
            ),
            Err(Error::Unsupported { what, .. }) => {
                assert!(
                    !runtime.engine().info().caps.multi_value,
                    "{engine}: {what}"
                );
                assert!(what.contains("multi"), "{engine}: {what}");
            }
            Err(e) => panic!("{engine}: {e}"),
        }
    }
}

#[test]
fn v128_works_where_the_engine_has_simd_and_is_refused_clearly_elsewhere() {
    let wat = r#"(module
      (func (export "add") (param v128 v128) (result v128) (i32x4.add (local.get 0) (local.get 1))))"#;
    for engine in engines() {
        let runtime = Runtime::builder().engine(&engine).build().unwrap();
        let simd = runtime.engine().info().caps.simd;
        match runtime.instantiate(&module(wat)) {
            Ok(mut inst) => {
                assert!(simd, "{engine} claims no SIMD but ran it");
                let out = inst
                    .call("add", &[Val::V128(1 | 2 << 32), Val::V128(3)])
                    .unwrap();
                assert_eq!(out, vec![Val::V128(4 | 2 << 32)], "{engine}");
            }
            Err(e @ Error::Unsupported { .. }) => {
                assert!(!simd, "{engine} claims SIMD but refused: {e}");
                assert!(e.to_string().contains(&engine), "{e}");
            }
            Err(e) => panic!("{engine}: {e}"),
        }
    }
}
