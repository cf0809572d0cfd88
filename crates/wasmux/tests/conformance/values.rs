//! Values of every type in and out of guests, multi-value, exports, globals and start functions.

use crate::support::*;
use wasmux::{Error, ExportKind, FuncType, Val, ValType};

/// WebAssembly 1.0 only, so that every engine runs all of it.
const SCALARS: &str = r#"
(module
  (memory (export "memory") 2 5)
  (global $counter (export "counter") (mut i32) (i32.const 7))
  (global (export "big") i64 (i64.const -5000000000))
  (global (export "gf32") (mut f32) (f32.const 1.5))
  (global (export "pi64") f64 (f64.const -2.25))
  (table (export "table") 1 funcref)
  (func (export "i32") (param i32) (result i32) local.get 0)
  (func (export "i64") (param i64) (result i64) local.get 0)
  (func (export "f32") (param f32) (result f32) local.get 0)
  (func (export "f64") (param f64) (result f64) local.get 0)
  (func (export "add_i32") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func (export "add_i64") (param i64 i64) (result i64) (i64.add (local.get 0) (local.get 1)))
  (func (export "mul_f32") (param f32 f32) (result f32) (f32.mul (local.get 0) (local.get 1)))
  (func (export "mul_f64") (param f64 f64) (result f64) (f64.mul (local.get 0) (local.get 1)))
  (func (export "neg_f64") (param f64) (result f64) (f64.neg (local.get 0)))
  (func (export "mixed") (param i32 i64 f32 f64) (result f64)
    (f64.add
      (f64.add (f64.convert_i32_s (local.get 0)) (f64.convert_i64_s (local.get 1)))
      (f64.add (f64.promote_f32 (local.get 2)) (local.get 3))))
  (func (export "bump") (global.set $counter (i32.add (global.get $counter) (i32.const 1))))
  (func (export "nothing"))
)"#;

conformance! {
    fn scalars_round_trip_bit_for_bit(engine) {
        let (mut store, id) = instance(engine, SCALARS, &[]);
        let s = store.as_mut();
        let mut cases = vec![
            ("i32", Val::I32(-7)),
            ("i32", Val::I32(i32::MIN)),
            ("i64", Val::I64(i64::MAX)),
            ("i64", Val::I64(i64::MIN)),
            ("f32", Val::f32(1.5)),
            ("f32", Val::f32(-0.25)),
            ("f64", Val::f64(-0.0)),
            ("f64", Val::f64(1e300)),
        ];
        // NaNs with payloads, signed zeros and subnormals come back bit for bit.
        for bits in [0x7fa0_0001, 0x7fc0_1234, 0x7fc0_0001, 0xffc0_0000, 0x8000_0000, 1] {
            cases.push(("f32", Val::F32(bits)));
        }
        for bits in [
            0x7ff4_0000_0000_0001,
            0x7ff8_0000_0000_beef,
            0x7ff8_0000_0000_0001,
            0x8000_0000_0000_0000,
            1,
        ] {
            cases.push(("f64", Val::F64(bits)));
        }
        for (func, v) in cases {
            assert_eq!(call(s, id, func, &[v]), [v], "{func}({v:?})");
        }
    }
}

conformance! {
    fn arithmetic_on_every_scalar_type(engine) {
        let (mut store, id) = instance(engine, SCALARS, &[]);
        let s = store.as_mut();
        let cases = [
            ("add_i32", vec![Val::I32(-7), Val::I32(3)], Val::I32(-4)),
            ("add_i32", vec![Val::I32(i32::MAX), Val::I32(1)], Val::I32(i32::MIN)),
            ("add_i64", vec![Val::I64(-1), Val::I64(i64::MIN + 1)], Val::I64(i64::MIN)),
            ("add_i64", vec![Val::I64(1 << 40), Val::I64(3)], Val::I64((1 << 40) + 3)),
            ("mul_f32", vec![Val::f32(1.5), Val::f32(-4.0)], Val::f32(-6.0)),
            ("mul_f64", vec![Val::f64(0.1), Val::f64(3.0)], Val::f64(0.1 * 3.0)),
            ("neg_f64", vec![Val::f64(2.5)], Val::f64(-2.5)),
            (
                "mixed",
                vec![Val::I32(-1), Val::I64(10), Val::f32(0.5), Val::f64(0.25)],
                Val::f64(9.75),
            ),
        ];
        for (func, args, want) in cases {
            assert_eq!(call(s, id, func, &args), [want], "{func}{args:?}");
        }
        assert_eq!(call(s, id, "nothing", &[]), []);
    }
}

conformance! {
    fn v128_round_trips_where_the_engine_has_simd(engine) {
        let wat = r#"(module
          (func (export "v128") (param v128) (result v128) local.get 0)
          (func (export "double") (param v128) (result v128) (i32x4.add (local.get 0) (local.get 0))))"#;
        let Some((mut store, id)) = instance_if(engine, engine.info().caps.simd, wat, &[]) else {
            return;
        };
        let s = store.as_mut();
        for v in [0x0102_0304_0506_0708_090a_0b0c_0d0e_0f10, u128::MAX - 5] {
            assert_eq!(call(s, id, "v128", &[Val::V128(v)]), [Val::V128(v)]);
        }
        let v = 0x0000_0004_0000_0003_0000_0002_0000_0001;
        let doubled = 0x0000_0008_0000_0006_0000_0004_0000_0002;
        assert_eq!(call(s, id, "double", &[Val::V128(v)]), [Val::V128(doubled)]);
        assert_eq!(
            s.func_type(id, "v128"),
            Some(FuncType::new([ValType::V128], [ValType::V128]))
        );
    }
}

conformance! {
    fn externrefs_carry_host_numbers(engine) {
        let wat = r#"(module
          (global (export "r") externref (ref.null extern))
          (func (export "echo") (param externref) (result externref) local.get 0)
          (func (export "is_null") (param externref) (result i32) local.get 0 ref.is_null))"#;
        let Some((mut store, id)) = instance_if(engine, has_externref(engine), wat, &[]) else {
            return;
        };
        let s = store.as_mut();
        for v in [None, Some(0), Some(42), Some(u32::MAX)] {
            let v = Val::ExternRef(v);
            assert_eq!(call(s, id, "echo", &[v]), [v]);
        }
        assert_eq!(call(s, id, "is_null", &[Val::ExternRef(None)]), [Val::I32(1)]);
        assert_eq!(call(s, id, "is_null", &[Val::ExternRef(Some(0))]), [Val::I32(0)]);
        assert_eq!(s.global_get(id, "r"), Some(Val::ExternRef(None)));
        assert_eq!(
            s.func_type(id, "echo"),
            Some(FuncType::new([ValType::ExternRef], [ValType::ExternRef]))
        );
    }
}

conformance! {
    fn funcrefs_are_opaque(engine) {
        let wat = r#"(module
          (func $f)
          (elem declare func $f)
          (func (export "echo") (param funcref) (result funcref) local.get 0)
          (func (export "some_func") (result funcref) ref.func $f))"#;
        let Some((mut store, id)) = instance_if(engine, has_funcref(engine), wat, &[]) else {
            return;
        };
        let s = store.as_mut();
        assert_eq!(call(s, id, "echo", &[Val::FuncRef(None)]), [Val::FuncRef(None)]);
        assert_eq!(call(s, id, "some_func", &[]), [Val::FuncRef(Some(0))]);
        // The host cannot forge a function reference.
        for token in [0, 3] {
            let err = call_err(s, id, "echo", &[Val::FuncRef(Some(token))]);
            assert!(matches!(err, Error::Unsupported { .. }), "{err}");
        }
    }
}

conformance! {
    fn multi_value_results(engine) {
        let wat = r#"(module
          (func (export "swap3") (param i32 i64 f32) (result f32 i64 i32)
            local.get 2 local.get 1 local.get 0)
          (func (export "swap3_f64") (param i32 i64 f64) (result f64 i64 i32)
            local.get 2 local.get 1 local.get 0)
          (func (export "three") (param i32 i64) (result i64 i32 f32)
            (local.get 1) (local.get 0) (f32.const 1.5)))"#;
        let Some((mut store, id)) = instance_if(engine, engine.info().caps.multi_value, wat, &[])
        else {
            return;
        };
        let s = store.as_mut();
        assert_eq!(
            call(s, id, "swap3", &[Val::I32(1), Val::I64(2), Val::f32(3.0)]),
            [Val::f32(3.0), Val::I64(2), Val::I32(1)]
        );
        assert_eq!(
            call(s, id, "swap3_f64", &[Val::I32(1), Val::I64(2), Val::f64(3.0)]),
            [Val::f64(3.0), Val::I64(2), Val::I32(1)]
        );
        assert_eq!(
            call(s, id, "three", &[Val::I32(3), Val::I64(9)]),
            [Val::I64(9), Val::I32(3), Val::f32(1.5)]
        );
        assert_eq!(
            s.func_type(id, "swap3"),
            Some(FuncType::new(
                [ValType::I32, ValType::I64, ValType::F32],
                [ValType::F32, ValType::I64, ValType::I32]
            ))
        );
    }
}

conformance! {
    fn exports_in_order_with_kinds_and_types(engine) {
        let (store, id) = instance(engine, SCALARS, &[]);
        let exports = store.exports(id);
        let names: Vec<&str> = exports.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "memory", "counter", "big", "gf32", "pi64", "table", "i32", "i64", "f32", "f64",
                "add_i32", "add_i64", "mul_f32", "mul_f64", "neg_f64", "mixed", "bump", "nothing"
            ]
        );
        let export = |n: &str| exports.iter().find(|e| e.name == n).unwrap();
        assert_eq!(export("memory").kind, ExportKind::Memory);
        assert_eq!(export("memory").func, None);
        assert_eq!(export("counter").kind, ExportKind::Global);
        assert_eq!(export("table").kind, ExportKind::Table);
        assert_eq!(export("add_i64").kind, ExportKind::Func);
        assert_eq!(
            export("add_i64").func,
            Some(FuncType::new([ValType::I64, ValType::I64], [ValType::I64]))
        );
        assert_eq!(
            export("mixed").func,
            Some(FuncType::new(
                [ValType::I32, ValType::I64, ValType::F32, ValType::F64],
                [ValType::F64]
            ))
        );
        assert_eq!(
            store.func_type(id, "mul_f32"),
            Some(FuncType::new([ValType::F32, ValType::F32], [ValType::F32]))
        );
        assert_eq!(export("nothing").func, Some(FuncType::default()));
        assert_eq!(store.func_type(id, "nope"), None);
    }
}

conformance! {
    fn globals_and_memory_size(engine) {
        let (mut store, id) = instance(engine, SCALARS, &[]);
        let s = store.as_mut();
        assert_eq!(s.global_get(id, "counter"), Some(Val::I32(7)));
        call(s, id, "bump", &[]);
        call(s, id, "bump", &[]);
        assert_eq!(s.global_get(id, "counter"), Some(Val::I32(9)));
        assert_eq!(s.global_get(id, "big"), Some(Val::I64(-5_000_000_000)));
        assert_eq!(s.global_get(id, "gf32"), Some(Val::f32(1.5)));
        assert_eq!(s.global_get(id, "pi64"), Some(Val::f64(-2.25)));
        assert_eq!(s.global_get(id, "add_i32"), None, "a function is no global");
        assert_eq!(s.global_get(id, "missing"), None);
        assert_eq!(s.memory_size(id), Some(2 * 65536));

        let (mut store, id) = instance(engine, r#"(module (func (export "f")))"#, &[]);
        assert_eq!(store.memory_size(id), None);
        assert_eq!(call(store.as_mut(), id, "f", &[]), []);
    }
}

conformance! {
    fn unknown_exports_list_the_functions(engine) {
        let (mut store, id) = instance(engine, SCALARS, &[]);
        match call_err(store.as_mut(), id, "nope", &[]) {
            Error::UnknownExport { name, available } => {
                assert_eq!(name, "nope");
                assert!(available.contains(&"add_i32".to_string()), "{available:?}");
                assert!(!available.contains(&"memory".to_string()), "{available:?}");
            }
            other => panic!("expected UnknownExport, got {other}"),
        }
        let err = call_err(store.as_mut(), id, "memory", &[]);
        assert!(matches!(err, Error::UnknownExport { .. }), "{err}");
    }
}

conformance! {
    fn start_function_runs_at_instantiation(engine) {
        let wat = r#"(module
          (global $g (export "g") (mut i32) (i32.const 1))
          (func $start (global.set $g (i32.const 42)))
          (start $start)
          (func (export "get") (result i32) (global.get $g)))"#;
        let (mut store, id) = instance(engine, wat, &[]);
        assert_eq!(call(store.as_mut(), id, "get", &[]), [Val::I32(42)]);
    }
}

conformance! {
    fn sign_extension_and_saturating_conversions(engine) {
        let wat = r#"(module
          (func (export "ext") (param i32) (result i32) (i32.extend8_s (local.get 0)))
          (func (export "sat") (param f64) (result i32) (i32.trunc_sat_f64_s (local.get 0))))"#;
        let (mut store, id) = instance(engine, wat, &[]);
        let s = store.as_mut();
        assert_eq!(call(s, id, "ext", &[Val::I32(0xff)]), [Val::I32(-1)]);
        assert_eq!(call(s, id, "sat", &[Val::f64(1e20)]), [Val::I32(i32::MAX)]);
    }
}
