//! Exported functions looked up once and called through a handle.

mod common;
use common::*;
use wasmux::{Error, Limits, Val};

const TWO: &str = r#"(module
  (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func (export "neg") (param f64) (result f64) (f64.neg (local.get 0)))
  (func (export "wide") (param i64 i64 i64 i64 i64 i64 i64 i64 i64 i64) (result i64)
    (i64.add (local.get 0) (local.get 9))))"#;

#[test]
fn handles_call_the_function_they_name() {
    for engine in engines() {
        let mut inst = instance(&engine, TWO, Limits::default());
        let add = inst.func("add").unwrap();
        assert_eq!(add.name(), "add");
        assert_eq!(add.ty().to_string(), "(i32, i32) -> (i32)", "{engine}");
        for i in 0..3 {
            let r = inst.call_func(&add, &[Val::I32(i), Val::I32(40)]).unwrap();
            assert_eq!(r, vec![Val::I32(i + 40)], "{engine}");
        }
        let neg = inst.func("neg").unwrap();
        let r = inst.call_func(&neg, &[Val::F64(2.5f64.to_bits())]).unwrap();
        assert_eq!(r, vec![Val::F64((-2.5f64).to_bits())], "{engine}");
        // More arguments than fit the engines' inline argument buffers.
        let wide = inst.func("wide").unwrap();
        let args: Vec<Val> = (1..=10).map(Val::I64).collect();
        assert_eq!(inst.call_func(&wide, &args).unwrap(), vec![Val::I64(11)]);
    }
}

#[test]
fn handles_check_arguments_and_their_instance() {
    for engine in engines() {
        let mut first = instance(&engine, TWO, Limits::default());
        let mut second = instance(&engine, TWO, Limits::default());
        let add = first.func("add").unwrap();
        match second.call_func(&add, &[Val::I32(1), Val::I32(2)]) {
            Err(Error::ForeignFunc { name }) => assert_eq!(name, "add"),
            other => panic!("{engine}: {other:?}"),
        }
        match first.call_func(&add, &[Val::I32(1)]) {
            Err(Error::ArgumentCount { given: 1, .. }) => {}
            other => panic!("{engine}: {other:?}"),
        }
        match first.call_func(&add, &[Val::I32(1), Val::I64(2)]) {
            Err(Error::ArgumentType { index: 1, .. }) => {}
            other => panic!("{engine}: {other:?}"),
        }
        assert!(matches!(
            first.func("sub"),
            Err(Error::UnknownExport { .. })
        ));
        // The instrumentation's own exports stay hidden.
        assert!(first.func("__wasmux_fuel_get").is_err(), "{engine}");
    }
}
