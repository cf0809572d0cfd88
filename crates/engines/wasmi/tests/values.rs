//! Values of every type in and out, multi-value results, exports and engine info.

mod common;

use common::*;
use wasmux_core::{Error, ExportKind, FuncType, Val, ValType};

const MODULE: &str = r#"
(module
  (memory (export "mem") 2)
  (global (export "g") (mut i64) (i64.const -7))
  (func (export "i32") (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
  (func (export "i64") (param i64) (result i64) (i64.mul (local.get 0) (i64.const 2)))
  (func (export "f32") (param f32) (result f32) (local.get 0))
  (func (export "f64") (param f64) (result f64) (f64.neg (local.get 0)))
  (func (export "v128") (param v128) (result v128) (i32x4.add (local.get 0) (local.get 0)))
  (func (export "extern") (param externref) (result externref) (local.get 0))
  (func (export "is_null") (param externref) (result i32) (ref.is_null (local.get 0)))
  (func (export "funcref") (param funcref) (result funcref) (local.get 0))
  (func $f)
  (elem declare func $f)
  (func (export "some_func") (result funcref) (ref.func $f))
  (func (export "multi") (param i32 i64) (result i64 i32 f32)
    (local.get 1) (local.get 0) (f32.const 1.5))
)
"#;

#[test]
fn engine_info() {
    let engine = engine();
    let info = engine.info();
    assert_eq!(info.name, "wasmi");
    assert_eq!(info.engine, "wasmi");
    assert_eq!(info.version, "2.0.0");
    assert_eq!(info.kind, "interpreter (Rust)");
    assert!(info.caps.native_fuel);
    assert!(info.caps.simd && info.caps.tail_call && info.caps.memory64);
    assert!(!info.caps.threads && !info.caps.exceptions);
}

#[test]
fn scalars_round_trip() {
    let (mut s, id) = instance(MODULE);
    let s = &mut *s;
    assert_eq!(call(s, id, "i32", &[Val::I32(-2)]), [Val::I32(-1)]);
    assert_eq!(
        call(s, id, "i64", &[Val::I64(1 << 40)]),
        [Val::I64(1 << 41)]
    );
    // A NaN with a payload must come back bit for bit.
    let nan = 0x7fa0_0001;
    assert_eq!(call(s, id, "f32", &[Val::F32(nan)]), [Val::F32(nan)]);
    assert_eq!(call(s, id, "f64", &[Val::f64(2.5)]), [Val::f64(-2.5)]);
}

#[test]
fn v128_round_trip() {
    let (mut s, id) = instance(MODULE);
    let v = 0x0000_0004_0000_0003_0000_0002_0000_0001u128;
    let doubled = 0x0000_0008_0000_0006_0000_0004_0000_0002u128;
    assert_eq!(
        call(&mut *s, id, "v128", &[Val::V128(v)]),
        [Val::V128(doubled)]
    );
}

#[test]
fn references() {
    let (mut s, id) = instance(MODULE);
    let s = &mut *s;
    assert_eq!(
        call(s, id, "extern", &[Val::ExternRef(Some(42))]),
        [Val::ExternRef(Some(42))]
    );
    assert_eq!(
        call(s, id, "extern", &[Val::ExternRef(None)]),
        [Val::ExternRef(None)]
    );
    assert_eq!(
        call(s, id, "is_null", &[Val::ExternRef(Some(0))]),
        [Val::I32(0)]
    );
    assert_eq!(
        call(s, id, "is_null", &[Val::ExternRef(None)]),
        [Val::I32(1)]
    );
    assert_eq!(
        call(s, id, "funcref", &[Val::FuncRef(None)]),
        [Val::FuncRef(None)]
    );
    assert_eq!(call(s, id, "some_func", &[]), [Val::FuncRef(Some(0))]);
    let err = call_err(s, id, "funcref", &[Val::FuncRef(Some(3))]);
    assert!(matches!(err, Error::Unsupported { .. }), "{err}");
}

#[test]
fn multi_value() {
    let (mut s, id) = instance(MODULE);
    assert_eq!(
        call(&mut *s, id, "multi", &[Val::I32(3), Val::I64(9)]),
        [Val::I64(9), Val::I32(3), Val::f32(1.5)]
    );
}

#[test]
fn exports_globals_memory() {
    let (mut s, id) = instance(MODULE);
    let exports = s.exports(id);
    let names: Vec<_> = exports.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(&names[..3], ["mem", "g", "i32"]);
    assert_eq!(exports[0].kind, ExportKind::Memory);
    assert_eq!(exports[1].kind, ExportKind::Global);
    assert_eq!(
        s.func_type(id, "multi"),
        Some(FuncType::new(
            [ValType::I32, ValType::I64],
            [ValType::I64, ValType::I32, ValType::F32]
        ))
    );
    assert_eq!(s.global_get(id, "g"), Some(Val::I64(-7)));
    assert_eq!(s.global_get(id, "nope"), None);
    assert_eq!(s.memory_size(id), Some(2 * 65536));
    let err = call_err(&mut *s, id, "missing", &[]);
    match err {
        Error::UnknownExport { available, .. } => assert!(available.contains(&"i32".into())),
        other => panic!("{other}"),
    }
}

#[test]
fn memory_size_none_without_memory() {
    let (mut s, id) = instance("(module (func (export \"f\")))");
    assert_eq!(s.memory_size(id), None);
}

#[test]
fn post_mvp_proposals_compile() {
    let engine = engine();
    let modules = [
        // tail calls
        "(module (func $f (return_call $f)))",
        // extended const
        "(module (global i32 (i32.add (i32.const 1) (i32.const 2))))",
        // multi-memory
        "(module (memory 1) (memory 1))",
        // memory64
        "(module (memory i64 1))",
        // relaxed simd
        "(module (func (param v128 v128) (result v128) (i8x16.relaxed_swizzle (local.get 0) (local.get 1))))",
        // wide arithmetic
        "(module (func (param i64 i64 i64 i64) (result i64 i64) (i64.add128 (local.get 0) (local.get 1) (local.get 2) (local.get 3))))",
        // custom page sizes
        "(module (memory 1 (pagesize 1)))",
    ];
    for wat in modules {
        compile(&*engine, wat);
    }
}
