//! Bad input gets a clear error, never a panic.

mod common;
use common::*;
use wasmux::{Error, Limits, Module, Runtime, UnknownImports, Val};

#[test]
fn garbage_and_truncated_binaries_name_the_file_and_offset() {
    let err = Module::from_bytes("junk.wasm", b"\0asm\x01\0\0\0\x01\xff\xff").unwrap_err();
    match &err {
        Error::InvalidModule { file, offset, .. } => {
            assert_eq!(file, "junk.wasm");
            assert!(*offset >= 8, "{err}");
        }
        other => panic!("{other:?}"),
    }
    let valid = wat::parse_str(include_str!("../../../examples/fib.wat")).unwrap();
    let cut = &valid[..valid.len() - 3];
    let err = Module::from_bytes("cut.wasm", cut).unwrap_err();
    assert!(err.to_string().contains("cut.wasm"), "{err}");
    assert!(err.to_string().contains("byte offset"), "{err}");
}

#[test]
fn invalid_text_names_the_file_and_position() {
    let err = Module::from_bytes("bad.wat", b"(module (func (i32.add)))").unwrap_err();
    assert!(err.to_string().contains("bad.wat"), "{err}");
    let err = Module::from_bytes("worse.wat", b"(module (fnuc))").unwrap_err();
    let text = err.to_string();
    assert!(text.contains("worse.wat:1:"), "{text}");
}

#[test]
fn unknown_exports_and_bad_arguments_are_named() {
    for engine in engines() {
        let mut inst = instance(
            &engine,
            include_str!("../../../examples/fib.wat"),
            Limits::default(),
        );
        let err = inst.call("fob", &[]).unwrap_err();
        assert!(
            err.to_string().contains("fob") && err.to_string().contains("fib"),
            "{err}"
        );
        let err = inst.call("fib", &[]).unwrap_err();
        assert!(
            matches!(
                err,
                Error::ArgumentCount {
                    expected: 1,
                    given: 0,
                    ..
                }
            ),
            "{err}"
        );
        let err = inst.call("fib", &[Val::I64(1)]).unwrap_err();
        assert!(matches!(err, Error::ArgumentType { .. }), "{err}");
        let err = inst.call_with_strings("fib", &["ten".into()]).unwrap_err();
        assert!(err.to_string().contains("ten"), "{err}");
    }
}

const NEEDS_IMPORTS: &str = r#"(module
  (import "env" "log" (func $log (param i32)))
  (import "env" "now" (func $now (result i64)))
  (import "env" "mem" (memory 1))
  (func (export "go") (result i64) (call $log (i32.const 1)) (call $now)))"#;

#[test]
fn missing_imports_are_all_named() {
    for engine in engines() {
        let err = Runtime::builder()
            .engine(&engine)
            .build()
            .unwrap()
            .instantiate(&module(NEEDS_IMPORTS))
            .err()
            .unwrap();
        let text = err.to_string();
        for name in ["env::log", "env::now", "env::mem"] {
            assert!(text.contains(name), "{engine}: {text}");
        }
    }
}

#[test]
fn unknown_imports_can_default_or_trap() {
    let wat = r#"(module
      (import "env" "now" (func $now (result i64)))
      (func (export "go") (result i64) (call $now)))"#;
    for engine in engines() {
        let mut inst = Runtime::builder()
            .engine(&engine)
            .unknown_imports(UnknownImports::Default)
            .build()
            .unwrap()
            .instantiate(&module(wat))
            .unwrap();
        assert_eq!(inst.call("go", &[]).unwrap(), vec![Val::I64(0)], "{engine}");
        let mut inst = Runtime::builder()
            .engine(&engine)
            .unknown_imports(UnknownImports::Trap)
            .build()
            .unwrap()
            .instantiate(&module(wat))
            .unwrap();
        let err = inst.call("go", &[]).unwrap_err();
        assert!(err.to_string().contains("env::now"), "{engine}: {err}");
    }
}

#[test]
fn an_unknown_engine_lists_the_known_ones() {
    let err = Runtime::builder().engine("v8").build().err().unwrap();
    let text = err.to_string();
    assert!(text.contains("v8") && text.contains("wasmi"), "{text}");
}

/// A table of 2^32-1 entries is valid, but wasmi would allocate it all: refused by wasmux on
/// every engine, with the table's byte offset.
#[test]
fn a_huge_initial_table_is_a_limit_error_on_every_engine() {
    let huge = module("(module (table 4294967295 funcref))");
    for engine in engines() {
        let runtime = Runtime::builder().engine(&engine).build().unwrap();
        match runtime.instantiate(&huge).err() {
            Some(Error::Limit(message)) => {
                assert!(
                    message.contains("table 0 (at byte offset 0x"),
                    "{engine}: {message}"
                )
            }
            other => panic!("{engine}: expected a limit error, got {other:?}"),
        }
        runtime
            .instantiate(&module("(module (table 1000 funcref))"))
            .unwrap_or_else(|e| panic!("{engine}: {e}"));
    }
}
