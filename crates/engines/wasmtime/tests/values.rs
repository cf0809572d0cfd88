//! Values of every type in and out of guests, multi-value, and export metadata.

mod common;

use common::*;
use wasmux_core::{Error, ExportKind, FuncType, Val, ValType};

const ECHO: &str = r#"
(module
  (func $f)
  (elem declare func $f)
  (func (export "i32") (param i32) (result i32) local.get 0)
  (func (export "i64") (param i64) (result i64) local.get 0)
  (func (export "f32") (param f32) (result f32) local.get 0)
  (func (export "f64") (param f64) (result f64) local.get 0)
  (func (export "v128") (param v128) (result v128) local.get 0)
  (func (export "funcref") (param funcref) (result funcref) local.get 0)
  (func (export "some_func") (result funcref) ref.func $f)
  (func (export "multi") (param i32 i64 f32) (result f32 i64 i32)
    local.get 2 local.get 1 local.get 0)
  (func (export "none"))
  (memory (export "mem") 2 3)
  (global (export "g") i64 (i64.const -5))
  (table (export "t") 1 funcref)
)"#;

#[test]
fn every_value_type_round_trips() {
    each_engine(|engine| {
        let mut store = store(engine);
        let inst = instantiate(engine, store.as_mut(), ECHO, &[]);
        let cases = [
            ("i32", Val::I32(-7)),
            ("i32", Val::I32(i32::MIN)),
            ("i64", Val::I64(i64::MAX)),
            ("f32", Val::f32(1.5)),
            // A NaN with a payload must come back bit for bit.
            ("f32", Val::F32(0x7fa0_0001)),
            ("f64", Val::f64(-0.0)),
            ("f64", Val::F64(0x7ff4_0000_0000_0001)),
            ("v128", Val::V128(0x0102_0304_0506_0708_090a_0b0c_0d0e_0f10)),
            ("funcref", Val::FuncRef(None)),
        ];
        for (func, v) in cases {
            assert_eq!(call(store.as_mut(), inst, func, &[v]), vec![v], "{func}");
        }
    });
}

#[test]
fn externrefs_carry_host_numbers() {
    let wat = r#"(module
      (global (export "r") externref (ref.null extern))
      (func (export "echo") (param externref) (result externref) local.get 0)
      (func (export "is_null") (param externref) (result i32) local.get 0 ref.is_null))"#;
    each_engine(|engine| {
        let mut store = store(engine);
        let Some(inst) = instantiate_unless(engine, store.as_mut(), wat, &[], NO_EXTERNREF) else {
            return;
        };
        for v in [None, Some(0), Some(42), Some(u32::MAX)] {
            let v = Val::ExternRef(v);
            assert_eq!(call(store.as_mut(), inst, "echo", &[v]), [v]);
        }
        let is_null = |store: &mut dyn wasmux_core::Store, v| call(store, inst, "is_null", &[v]);
        assert_eq!(is_null(store.as_mut(), Val::ExternRef(None)), [Val::I32(1)]);
        assert_eq!(
            is_null(store.as_mut(), Val::ExternRef(Some(0))),
            [Val::I32(0)]
        );
        assert_eq!(store.global_get(inst, "r"), Some(Val::ExternRef(None)));
    });
}

#[test]
fn funcrefs_are_opaque() {
    each_engine(|engine| {
        let mut store = store(engine);
        let inst = instantiate(engine, store.as_mut(), ECHO, &[]);
        assert_eq!(
            call(store.as_mut(), inst, "some_func", &[]),
            [Val::FuncRef(Some(0))]
        );
        let err = store
            .call(inst, "funcref", &[Val::FuncRef(Some(0))])
            .unwrap_err();
        assert!(matches!(err, Error::Unsupported { .. }), "{err}");
    });
}

#[test]
fn multi_value_and_no_value() {
    each_engine(|engine| {
        let mut store = store(engine);
        let inst = instantiate(engine, store.as_mut(), ECHO, &[]);
        let out = call(
            store.as_mut(),
            inst,
            "multi",
            &[Val::I32(1), Val::I64(2), Val::f32(3.0)],
        );
        assert_eq!(out, [Val::f32(3.0), Val::I64(2), Val::I32(1)]);
        assert!(call(store.as_mut(), inst, "none", &[]).is_empty());
    });
}

#[test]
fn exports_globals_and_memory() {
    each_engine(|engine| {
        let mut store = store(engine);
        let inst = instantiate(engine, store.as_mut(), ECHO, &[]);
        let exports = store.exports(inst);
        let multi = exports.iter().find(|e| e.name == "multi").unwrap();
        assert_eq!(multi.kind, ExportKind::Func);
        assert_eq!(
            multi.func,
            Some(FuncType::new(
                [ValType::I32, ValType::I64, ValType::F32],
                [ValType::F32, ValType::I64, ValType::I32]
            ))
        );
        let kind = |n: &str| exports.iter().find(|e| e.name == n).unwrap().kind;
        assert_eq!(kind("mem"), ExportKind::Memory);
        assert_eq!(kind("g"), ExportKind::Global);
        assert_eq!(kind("t"), ExportKind::Table);
        assert_eq!(
            store.func_type(inst, "v128"),
            Some(FuncType::new([ValType::V128], [ValType::V128]))
        );
        assert_eq!(store.global_get(inst, "g"), Some(Val::I64(-5)));
        assert_eq!(store.global_get(inst, "nope"), None);
        assert_eq!(store.memory_size(inst), Some(2 * 65536));

        let err = store.call(inst, "missing", &[]).unwrap_err();
        match err {
            Error::UnknownExport { available, .. } => assert!(available.contains(&"i32".into())),
            other => panic!("{other}"),
        }
    });
}

#[test]
fn info_names_every_variant() {
    let names: Vec<_> = wasmux_engine_wasmtime::engines()
        .iter()
        .map(|e| e.info().name.clone())
        .collect();
    assert_eq!(names, ["wasmtime", "wasmtime:winch", "wasmtime:pulley"]);
    let winch = engine_named("wasmtime:winch");
    assert!(!winch.info().caps.reference_types && !winch.info().caps.tail_call);
    assert!(!engine_named("wasmtime:pulley").info().caps.threads);
    for e in wasmux_engine_wasmtime::engines() {
        let info = e.info();
        assert_eq!(info.engine, "wasmtime");
        assert_eq!(info.version, "48.0.8");
        assert!(info.caps.native_fuel && info.caps.native_interrupt);
        assert!(info.caps.multi_value && info.caps.bulk_memory && info.caps.simd);
    }
}

#[test]
fn modules_stay_with_their_engine() {
    let cranelift = engine_named("wasmtime");
    let pulley = engine_named("wasmtime:pulley");
    let module = cranelift
        .compile(&wat::parse_str("(module)").unwrap())
        .unwrap();
    let mut store = store(pulley.as_ref());
    assert!(store.instantiate(module.as_ref(), &[]).is_err());
}

/// Each proposal the capabilities claim compiles on that variant.
#[test]
fn claimed_proposals_compile() {
    each_engine(|engine| {
        let caps = &engine.info().caps;
        let cases = [
            (caps.simd, "(func (result v128) (i32x4.add (v128.const i64x2 1 2) (v128.const i64x2 3 4)))"),
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
            let wasm = wat::parse_str(format!("(module {body})")).unwrap();
            let compiled = engine.compile(&wasm);
            assert_eq!(compiled.is_ok(), claimed, "{body}: {:?}", compiled.err());
        }
    });
}
