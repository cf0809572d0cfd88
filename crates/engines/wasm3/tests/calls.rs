//! Calls with every value type, exports, globals and memory size.

mod common;

use common::*;
use wasmux_core::{Error, ExportKind, FuncType, Val, ValType};

const TYPES: &str = r#"
(module
  (memory (export "memory") 2 5)
  (global $g (export "counter") (mut i32) (i32.const 7))
  (global (export "big") i64 (i64.const -5000000000))
  (global (export "pi32") f32 (f32.const 3.5))
  (global (export "pi64") f64 (f64.const -2.25))
  (func (export "add_i32") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func (export "add_i64") (param i64 i64) (result i64) (i64.add (local.get 0) (local.get 1)))
  (func (export "mul_f32") (param f32 f32) (result f32) (f32.mul (local.get 0) (local.get 1)))
  (func (export "mul_f64") (param f64 f64) (result f64) (f64.mul (local.get 0) (local.get 1)))
  (func (export "id_f32") (param f32) (result f32) (local.get 0))
  (func (export "id_f64") (param f64) (result f64) (local.get 0))
  (func (export "mixed") (param i32 i64 f32 f64) (result f64)
    (f64.add
      (f64.add (f64.convert_i32_s (local.get 0)) (f64.convert_i64_s (local.get 1)))
      (f64.add (f64.promote_f32 (local.get 2)) (local.get 3))))
  (func (export "bump") (global.set $g (i32.add (global.get $g) (i32.const 1))))
  (func (export "nothing"))
)"#;

#[test]
fn every_value_type_round_trips() {
    let (mut s, id) = instance(TYPES, &[]);
    let s = &mut *s;
    assert_eq!(
        call1(s, id, "add_i32", &[Val::I32(-7), Val::I32(3)]),
        Val::I32(-4)
    );
    assert_eq!(
        call1(s, id, "add_i32", &[Val::I32(i32::MAX), Val::I32(1)]),
        Val::I32(i32::MIN)
    );
    assert_eq!(
        call1(s, id, "add_i64", &[Val::I64(-1), Val::I64(i64::MIN + 1)]),
        Val::I64(i64::MIN)
    );
    assert_eq!(
        call1(s, id, "add_i64", &[Val::I64(1 << 40), Val::I64(3)]),
        Val::I64((1 << 40) + 3)
    );
    assert_eq!(
        call1(s, id, "mul_f32", &[Val::f32(1.5), Val::f32(-4.0)]),
        Val::f32(-6.0)
    );
    assert_eq!(
        call1(s, id, "mul_f64", &[Val::f64(0.1), Val::f64(3.0)]),
        Val::f64(0.1 * 3.0)
    );
    assert_eq!(
        call1(
            s,
            id,
            "mixed",
            &[Val::I32(-1), Val::I64(10), Val::f32(0.5), Val::f64(0.25)]
        ),
        Val::f64(9.75)
    );
    assert_eq!(s.call(id, "nothing", &[]).unwrap(), vec![]);
}

#[test]
fn float_bits_survive_exactly() {
    let (mut s, id) = instance(TYPES, &[]);
    for bits in [0x7fc0_0001u32, 0xffc0_0000, 0x8000_0000, 0x0000_0001] {
        assert_eq!(
            call1(&mut *s, id, "id_f32", &[Val::F32(bits)]),
            Val::F32(bits)
        );
    }
    for bits in [0x7ff8_0000_0000_0001u64, 0x8000_0000_0000_0000, 1] {
        assert_eq!(
            call1(&mut *s, id, "id_f64", &[Val::F64(bits)]),
            Val::F64(bits)
        );
    }
}

#[test]
fn exports_carry_function_types() {
    let (s, id) = instance(TYPES, &[]);
    let exports = s.exports(id);
    let add = exports.iter().find(|e| e.name == "add_i64").unwrap();
    assert_eq!(add.kind, ExportKind::Func);
    assert_eq!(
        add.func,
        Some(FuncType::new([ValType::I64, ValType::I64], [ValType::I64]))
    );
    let mem = exports.iter().find(|e| e.name == "memory").unwrap();
    assert_eq!(mem.kind, ExportKind::Memory);
    assert_eq!(mem.func, None);
    assert_eq!(
        s.func_type(id, "mul_f32"),
        Some(FuncType::new([ValType::F32, ValType::F32], [ValType::F32]))
    );
}

#[test]
fn globals_and_memory_size() {
    let (mut s, id) = instance(TYPES, &[]);
    assert_eq!(s.global_get(id, "counter"), Some(Val::I32(7)));
    s.call(id, "bump", &[]).unwrap();
    s.call(id, "bump", &[]).unwrap();
    assert_eq!(s.global_get(id, "counter"), Some(Val::I32(9)));
    assert_eq!(s.global_get(id, "big"), Some(Val::I64(-5_000_000_000)));
    assert_eq!(s.global_get(id, "pi32"), Some(Val::f32(3.5)));
    assert_eq!(s.global_get(id, "pi64"), Some(Val::f64(-2.25)));
    assert_eq!(s.global_get(id, "add_i32"), None);
    assert_eq!(s.global_get(id, "missing"), None);
    assert_eq!(s.memory_size(id), Some(2 * 65536));

    let (mut s, id) = instance(r#"(module (func (export "f")))"#, &[]);
    assert_eq!(s.memory_size(id), None);
}

#[test]
fn unknown_exports_and_bad_arguments_are_errors() {
    let (mut s, id) = instance(TYPES, &[]);
    match s.call(id, "nope", &[]) {
        Err(Error::UnknownExport { name, available }) => {
            assert_eq!(name, "nope");
            assert!(available.contains(&"add_i32".to_string()));
            assert!(!available.contains(&"memory".to_string()));
        }
        other => panic!("expected UnknownExport, got {other:?}"),
    }
    assert!(matches!(
        s.call(id, "memory", &[]),
        Err(Error::UnknownExport { .. })
    ));
    assert!(matches!(
        s.call(id, "add_i32", &[Val::I32(1)]),
        Err(Error::ArgumentCount { .. })
    ));
    assert!(matches!(
        s.call(id, "add_i32", &[Val::I32(1), Val::I64(2)]),
        Err(Error::ArgumentType { .. })
    ));
    assert!(matches!(
        s.call(id, "add_i32", &[Val::I32(1), Val::V128(2)]),
        Err(Error::Unsupported { .. })
    ));
}

#[test]
fn start_function_runs_at_instantiation() {
    let (mut s, id) = instance(
        r#"(module
             (global $g (export "g") (mut i32) (i32.const 1))
             (func $start (global.set $g (i32.const 42)))
             (start $start)
             (func (export "get") (result i32) (global.get $g)))"#,
        &[],
    );
    assert_eq!(call1(&mut *s, id, "get", &[]), Val::I32(42));
}

#[test]
fn engine_info_is_honest() {
    let engine = engine();
    let info = engine.info();
    assert_eq!(info.name, "wasm3");
    assert_eq!(info.engine, "wasm3");
    assert_eq!(info.version, "0.4.7");
    assert_eq!(info.kind, "interpreter (C)");
    assert!(!info.caps.native_fuel && !info.caps.native_interrupt);
    assert!(info.caps.needs_lowering);
    assert!(!info.caps.multi_value && !info.caps.cross_instance_linking);
}
