//! Every trap kind reads the same on every engine.

mod common;
use common::*;
use wasmux::{Limits, Trap, Val};

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
      (func (export "id") (param i32 i64 f32 f64) (result f64 f32 i64 i32)
        local.get 3 local.get 2 local.get 1 local.get 0))"#;
    for engine in engines() {
        let mut inst = instance(&engine, wat, Limits::default());
        let nan = f32::from_bits(0x7fc0_0001);
        let out = inst
            .call(
                "id",
                &[Val::I32(-7), Val::I64(i64::MIN), Val::f32(nan), Val::f64(-0.0)],
            )
            .unwrap_or_else(|e| panic!("{engine}: {e}"));
        assert_eq!(
            out,
            vec![Val::f64(-0.0), Val::F32(0x7fc0_0001), Val::I64(i64::MIN), Val::I32(-7)],
            "{engine}"
        );
    }
}
