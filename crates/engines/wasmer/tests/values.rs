//! Values of every type in and out, multi-value results, exports and globals.

mod common;

use common::{call, each_engine, instance};
use wasmux_core::{ExportKind, FuncType, Val, ValType};

const IDENTITIES: &str = r#"
(module
  (func (export "i32") (param i32) (result i32) local.get 0)
  (func (export "i64") (param i64) (result i64) local.get 0)
  (func (export "f32") (param f32) (result f32) local.get 0)
  (func (export "f64") (param f64) (result f64) local.get 0)
  (func (export "v128") (param v128) (result v128) local.get 0)
  (func (export "funcref") (param funcref) (result funcref) local.get 0)
  (func (export "externref") (param externref) (result externref) local.get 0)
  (func (export "some_funcref") (result funcref) ref.func $f)
  (func $f)
  (elem declare func $f)
  (func (export "swap3") (param i32 i64 f64) (result f64 i64 i32)
    local.get 2 local.get 1 local.get 0)
  (global (export "g64") i64 (i64.const -5))
  (global (export "gf32") (mut f32) (f32.const 1.5))
  (memory (export "memory") 2)
  (table (export "table") 1 funcref)
)
"#;

/// The same module without SIMD, for the compiler that lacks it.
fn module_for(engine: &dyn wasmux_core::Engine) -> String {
    if engine.info().caps.simd {
        IDENTITIES.to_string()
    } else {
        IDENTITIES
            .lines()
            .filter(|l| !l.contains("v128"))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

#[test]
fn every_value_type_round_trips() {
    each_engine(|engine| {
        let (mut store, id) = instance(engine, &module_for(engine), &[]);
        let s = store.as_mut();
        let mut cases = vec![
            ("i32", Val::I32(-7)),
            ("i32", Val::I32(i32::MIN)),
            ("i64", Val::I64(i64::MAX)),
            ("f32", Val::f32(-0.25)),
            // A NaN with a payload: bits must survive unchanged.
            ("f32", Val::F32(0x7fc0_1234)),
            ("f64", Val::f64(1e300)),
            ("f64", Val::F64(0x7ff8_0000_0000_beef)),
            ("funcref", Val::FuncRef(None)),
            ("externref", Val::ExternRef(None)),
            ("externref", Val::ExternRef(Some(42))),
        ];
        if engine.info().caps.simd {
            cases.push(("v128", Val::V128(0x0123_4567_89ab_cdef_fedc_ba98_7654_3210)));
        }
        for (func, v) in cases {
            assert_eq!(call(s, id, func, &[v]).unwrap(), vec![v], "{func}({v})");
        }
    });
}

#[test]
fn funcrefs_are_opaque() {
    each_engine(|engine| {
        let (mut store, id) = instance(engine, &module_for(engine), &[]);
        let s = store.as_mut();
        assert_eq!(
            call(s, id, "some_funcref", &[]).unwrap(),
            vec![Val::FuncRef(Some(0))]
        );
        let err = call(s, id, "funcref", &[Val::FuncRef(Some(0))]).unwrap_err();
        assert!(
            matches!(err, wasmux_core::Error::Unsupported { .. }),
            "{err}"
        );
    });
}

#[test]
fn multi_value_results() {
    each_engine(|engine| {
        let (mut store, id) = instance(engine, &module_for(engine), &[]);
        let out = call(
            store.as_mut(),
            id,
            "swap3",
            &[Val::I32(1), Val::I64(2), Val::f64(3.0)],
        )
        .unwrap();
        assert_eq!(out, vec![Val::f64(3.0), Val::I64(2), Val::I32(1)]);
    });
}

#[test]
fn exports_globals_and_memory() {
    each_engine(|engine| {
        let (mut store, id) = instance(engine, &module_for(engine), &[]);
        let exports = store.exports(id);
        let swap = exports.iter().find(|e| e.name == "swap3").unwrap();
        assert_eq!(swap.kind, ExportKind::Func);
        assert_eq!(
            swap.func,
            Some(FuncType::new(
                [ValType::I32, ValType::I64, ValType::F64],
                [ValType::F64, ValType::I64, ValType::I32]
            ))
        );
        let kind = |n: &str| exports.iter().find(|e| e.name == n).map(|e| e.kind);
        assert_eq!(kind("g64"), Some(ExportKind::Global));
        assert_eq!(kind("memory"), Some(ExportKind::Memory));
        assert_eq!(kind("table"), Some(ExportKind::Table));
        assert_eq!(
            store.func_type(id, "externref"),
            Some(FuncType::new([ValType::ExternRef], [ValType::ExternRef]))
        );

        assert_eq!(store.global_get(id, "g64"), Some(Val::I64(-5)));
        assert_eq!(store.global_get(id, "gf32"), Some(Val::f32(1.5)));
        assert_eq!(store.global_get(id, "nope"), None);
        assert_eq!(store.memory_size(id), Some(2 * 65536));

        let err = store.call(id, "missing", &[]).unwrap_err();
        match err {
            wasmux_core::Error::UnknownExport { name, available } => {
                assert_eq!(name, "missing");
                assert!(available.contains(&"swap3".to_string()));
            }
            other => panic!("{other}"),
        }
    });
}

#[test]
fn memory_size_without_memory_is_none() {
    each_engine(|engine| {
        let (mut store, id) = instance(engine, "(module (func (export \"f\")))", &[]);
        assert_eq!(store.memory_size(id), None);
        assert_eq!(store.call(id, "f", &[]).unwrap(), vec![]);
    });
}
