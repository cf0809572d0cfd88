//! Every trap reachable with MVP code maps to its wasmux kind, and the instance survives it.

mod common;

use common::*;
use wasmux_core::{Error, Trap, Val};

const TRAPS: &str = r#"
(module
  (type $v (func))
  (type $i (func (result i32)))
  (memory 1)
  (table 4 funcref)
  (elem (i32.const 0) $void $int)
  (func $void)
  (func $int (result i32) (i32.const 1))
  (func (export "unreachable") (unreachable))
  (func (export "load_oob") (result i32) (i32.load (i32.const 65534)))
  (func (export "store_oob") (i32.store (i32.const -1) (i32.const 0)))
  (func (export "div_zero") (result i32) (i32.div_s (i32.const 1) (i32.const 0)))
  (func (export "rem_zero") (result i64) (i64.rem_u (i64.const 1) (i64.const 0)))
  (func (export "div_overflow") (result i32) (i32.div_s (i32.const 0x80000000) (i32.const -1)))
  (func (export "trunc_nan") (result i32) (i32.trunc_f32_s (f32.const nan)))
  (func (export "trunc_big") (result i64) (i64.trunc_f64_u (f64.const 1e30)))
  (func (export "wrong_sig") (result i32) (call_indirect (type $i) (i32.const 0)))
  (func (export "null_entry") (call_indirect (type $v) (i32.const 2)))
  (func (export "past_table") (call_indirect (type $v) (i32.const 100)))
  (func (export "ok") (result i32) (i32.add (i32.load (i32.const 0)) (i32.const 1)))
)"#;

fn trap_of(result: Result<Vec<Val>, Error>) -> Trap {
    match result {
        Err(e) => e
            .as_trap()
            .unwrap_or_else(|| panic!("expected a trap, got {e}")),
        Ok(v) => panic!("expected a trap, got {v:?}"),
    }
}

#[test]
fn each_trap_kind() {
    let (mut s, id) = instance(TRAPS, &[]);
    let cases = [
        ("unreachable", Trap::Unreachable),
        ("load_oob", Trap::MemoryOutOfBounds),
        ("store_oob", Trap::MemoryOutOfBounds),
        ("div_zero", Trap::DivideByZero),
        ("rem_zero", Trap::DivideByZero),
        ("div_overflow", Trap::IntegerOverflow),
        ("trunc_nan", Trap::BadConversionToInteger),
        ("trunc_big", Trap::IntegerOverflow),
        ("wrong_sig", Trap::IndirectCallTypeMismatch),
        ("null_entry", Trap::TableOutOfBounds),
        ("past_table", Trap::TableOutOfBounds),
    ];
    for (func, want) in cases {
        assert_eq!(trap_of(s.call(id, func, &[])), want, "{func}");
        // The runtime is usable again after every trap.
        assert_eq!(call1(&mut *s, id, "ok", &[]), Val::I32(1), "after {func}");
    }
}

#[test]
fn a_trap_in_the_start_function_fails_instantiation() {
    let module =
        compile(r#"(module (func $s (unreachable)) (start $s) (func (export "f")))"#).unwrap();
    let mut s = store();
    let err = s.instantiate(&*module, &[]).unwrap_err();
    assert_eq!(err.as_trap(), Some(Trap::Unreachable));
    // The store is still usable.
    let ok = compile(r#"(module (func (export "f") (result i32) (i32.const 2)))"#).unwrap();
    let id = s.instantiate(&*ok, &[]).unwrap();
    assert_eq!(call1(&mut *s, id, "f", &[]), Val::I32(2));
}

#[test]
fn out_of_bounds_data_segment_fails_instantiation() {
    let module = compile(r#"(module (memory 1) (data (i32.const 65535) "ab"))"#).unwrap();
    let err = store().instantiate(&*module, &[]).unwrap_err();
    assert!(matches!(err, Error::Instantiation(_)), "{err}");
}
