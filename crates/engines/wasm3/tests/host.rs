//! Host functions: arguments, results, guest memory, errors, panics; and imports of another
//! instance's exports.

mod common;

use common::*;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use wasmux_core::{Error, FuncType, HostError, HostFunc, Import, ImportValue, Trap, Val, ValType};

fn import(name: &str, func: HostFunc) -> Import {
    Import {
        module: "env".to_string(),
        name: name.to_string(),
        value: ImportValue::Func(func),
    }
}

#[test]
fn host_function_gets_arguments_and_returns_a_result() {
    let add = HostFunc::new(
        FuncType::new(
            [ValType::I32, ValType::I64, ValType::F32, ValType::F64],
            [ValType::F64],
        ),
        |_, params, results| {
            let [Val::I32(a), Val::I64(b), Val::F32(c), Val::F64(d)] = params else {
                panic!("bad params {params:?}");
            };
            let sum = *a as f64 + *b as f64 + f32::from_bits(*c) as f64 + f64::from_bits(*d);
            results[0] = Val::f64(sum);
            Ok(())
        },
    );
    let (mut s, id) = instance(
        r#"(module
             (import "env" "add" (func $add (param i32 i64 f32 f64) (result f64)))
             (func (export "run") (result f64)
               (call $add (i32.const -3) (i64.const 10000000000) (f32.const 0.5) (f64.const 0.25))))"#,
        &[import("add", add)],
    );
    assert_eq!(call1(&mut *s, id, "run", &[]), Val::f64(9_999_999_997.75));
}

#[test]
fn host_function_reads_and_writes_guest_memory() {
    // Uppercases `len` bytes at `ptr` in place and returns their sum.
    let upper = HostFunc::new(
        FuncType::new([ValType::I32, ValType::I32], [ValType::I32]),
        |caller, params, results| {
            let [Val::I32(ptr), Val::I32(len)] = params else {
                unreachable!()
            };
            let mem = caller
                .memory()
                .ok_or_else(|| HostError::Message("no memory".into()))?;
            let range = *ptr as usize..(*ptr + *len) as usize;
            let bytes = mem
                .get_mut(range)
                .ok_or_else(|| HostError::Message("out of range".into()))?;
            bytes.make_ascii_uppercase();
            results[0] = Val::I32(bytes.iter().map(|&b| b as i32).sum());
            Ok(())
        },
    );
    let (mut s, id) = instance(
        r#"(module
             (import "env" "upper" (func $upper (param i32 i32) (result i32)))
             (memory (export "memory") 1)
             (data (i32.const 100) "hello")
             (func (export "run") (result i32) (call $upper (i32.const 100) (i32.const 5)))
             (func (export "byte") (param i32) (result i32) (i32.load8_u (local.get 0))))"#,
        &[import("upper", upper)],
    );
    let sum: i32 = b"HELLO".iter().map(|&b| b as i32).sum();
    assert_eq!(call1(&mut *s, id, "run", &[]), Val::I32(sum));
    assert_eq!(
        call1(&mut *s, id, "byte", &[Val::I32(100)]),
        Val::I32(b'H' as i32)
    );
    assert_eq!(
        call1(&mut *s, id, "byte", &[Val::I32(104)]),
        Val::I32(b'O' as i32)
    );
}

#[test]
fn caller_without_memory_sees_none() {
    let probe = HostFunc::new(FuncType::new([], [ValType::I32]), |caller, _, results| {
        results[0] = Val::I32(caller.memory().is_some() as i32);
        Ok(())
    });
    let (mut s, id) = instance(
        r#"(module
             (import "env" "probe" (func $probe (result i32)))
             (func (export "run") (result i32) (call $probe)))"#,
        &[import("probe", probe)],
    );
    assert_eq!(call1(&mut *s, id, "run", &[]), Val::I32(0));
}

const FAILING: &str = r#"(module
  (import "env" "fail" (func $fail (param i32)))
  (global $after (export "after") (mut i32) (i32.const 0))
  (func (export "run") (param i32) (call $fail (local.get 0)) (global.set $after (i32.const 1)))
  (func (export "ok") (result i32) (i32.const 5)))"#;

fn failing_host() -> Import {
    import(
        "fail",
        HostFunc::new(
            FuncType::new([ValType::I32], []),
            |_, params, _| match params[0] {
                Val::I32(0) => Err(HostError::Trap(Trap::Timeout)),
                Val::I32(1) => Err(HostError::Exit(3)),
                Val::I32(2) => Err(HostError::Message("no such file".into())),
                Val::I32(3) => panic!("host bug"),
                _ => Ok(()),
            },
        ),
    )
}

#[test]
fn host_errors_come_out_of_call() {
    let (mut s, id) = instance(FAILING, &[failing_host()]);
    match s.call(id, "run", &[Val::I32(0)]) {
        Err(Error::Trap {
            trap: Trap::Timeout,
            ..
        }) => {}
        other => panic!("expected a Timeout trap, got {other:?}"),
    }
    match s.call(id, "run", &[Val::I32(1)]) {
        Err(Error::Exit(3)) => {}
        other => panic!("expected Exit(3), got {other:?}"),
    }
    match s.call(id, "run", &[Val::I32(2)]) {
        Err(Error::Trap {
            trap: Trap::HostError,
            detail: Some(d),
        }) => assert_eq!(d, "no such file"),
        other => panic!("expected a HostError trap, got {other:?}"),
    }
    // The guest stopped at the failing call.
    assert_eq!(s.global_get(id, "after"), Some(Val::I32(0)));
    // And the instance still works.
    assert_eq!(call1(&mut *s, id, "ok", &[]), Val::I32(5));
    s.call(id, "run", &[Val::I32(9)]).unwrap();
    assert_eq!(s.global_get(id, "after"), Some(Val::I32(1)));
}

#[test]
fn host_panics_become_host_errors() {
    let (mut s, id) = instance(FAILING, &[failing_host()]);
    match s.call(id, "run", &[Val::I32(3)]) {
        Err(Error::Trap {
            trap: Trap::HostError,
            detail: Some(d),
        }) => assert!(d.contains("panicked") && d.contains("host bug"), "{d}"),
        other => panic!("expected a HostError trap, got {other:?}"),
    }
    assert_eq!(call1(&mut *s, id, "ok", &[]), Val::I32(5));
}

#[test]
fn host_result_of_the_wrong_type_is_an_error() {
    let liar = HostFunc::new(FuncType::new([], [ValType::I32]), |_, _, results| {
        results[0] = Val::I64(1);
        Ok(())
    });
    let (mut s, id) = instance(
        r#"(module
             (import "env" "liar" (func $liar (result i32)))
             (func (export "run") (result i32) (call $liar)))"#,
        &[import("liar", liar)],
    );
    let err = s.call(id, "run", &[]).unwrap_err();
    assert_eq!(err.as_trap(), Some(Trap::HostError));
}

#[test]
fn mismatched_host_function_type_is_refused() {
    let module =
        compile(r#"(module (import "env" "f" (func (param i32))) (func (export "run")))"#).unwrap();
    let wrong = HostFunc::new(FuncType::new([ValType::I64], []), |_, _, _| Ok(()));
    let err = store()
        .instantiate(&*module, &[import("f", wrong)])
        .unwrap_err();
    assert!(matches!(err, Error::IncompatibleImport { .. }), "{err}");
}

#[test]
fn the_same_import_twice_links_both() {
    let calls = Arc::new(AtomicU32::new(0));
    let counter = calls.clone();
    let tick = HostFunc::new(FuncType::new([], []), move |_, _, _| {
        counter.fetch_add(1, Ordering::SeqCst);
        Ok(())
    });
    let (mut s, id) = instance(
        r#"(module
             (import "env" "tick" (func $a))
             (import "env" "tick" (func $b))
             (func (export "run") (call $a) (call $b)))"#,
        &[import("tick", tick)],
    );
    s.call(id, "run", &[]).unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

#[test]
fn exported_function_of_another_instance_can_be_imported() {
    let lib = compile(
        r#"(module
             (global $n (export "n") i32 (i32.const 40))
             (global $calls (mut i32) (i32.const 0))
             (func (export "double") (param i64) (result i64)
               (global.set $calls (i32.add (global.get $calls) (i32.const 1)))
               (i64.mul (local.get 0) (i64.const 2)))
             (func (export "calls") (result i32) (global.get $calls))
             (func (export "boom") (unreachable)))"#,
    )
    .unwrap();
    let app = compile(
        r#"(module
             (import "lib" "double" (func $double (param i64) (result i64)))
             (import "lib" "boom" (func $boom))
             (import "lib" "n" (global $n i32))
             (func (export "run") (param i64) (result i64) (call $double (local.get 0)))
             (func (export "n") (result i32) (global.get $n))
             (func (export "boom") (call $boom)))"#,
    )
    .unwrap();
    let mut s = store();
    let lib_id = s.instantiate(&*lib, &[]).unwrap();
    let ext = |s: &mut dyn wasmux_core::Store, name: &str| Import {
        module: "lib".to_string(),
        name: name.to_string(),
        value: ImportValue::Extern(s.export(lib_id, name).unwrap()),
    };
    let imports = [
        ext(&mut *s, "double"),
        ext(&mut *s, "boom"),
        ext(&mut *s, "n"),
    ];
    let app_id = s.instantiate(&*app, &imports).unwrap();
    assert_eq!(call1(&mut *s, app_id, "run", &[Val::I64(21)]), Val::I64(42));
    assert_eq!(call1(&mut *s, lib_id, "calls", &[]), Val::I32(1));
    assert_eq!(call1(&mut *s, app_id, "n", &[]), Val::I32(40));
    let err = s.call(app_id, "boom", &[]).unwrap_err();
    assert_eq!(err.as_trap(), Some(Trap::Unreachable));
    assert_eq!(call1(&mut *s, app_id, "run", &[Val::I64(-4)]), Val::I64(-8));
}

#[test]
fn shared_memories_tables_and_mutable_globals_are_unsupported() {
    let lib = compile(
        r#"(module
             (memory (export "mem") 1)
             (table (export "tab") 1 funcref)
             (global (export "g") (mut i32) (i32.const 0)))"#,
    )
    .unwrap();
    let mut s = store();
    let lib_id = s.instantiate(&*lib, &[]).unwrap();
    for (wat, name) in [
        (r#"(module (import "lib" "mem" (memory 1)))"#, "mem"),
        (r#"(module (import "lib" "tab" (table 1 funcref)))"#, "tab"),
        (r#"(module (import "lib" "g" (global (mut i32))))"#, "g"),
    ] {
        let module = compile(wat).unwrap();
        let handle = s.export(lib_id, name).unwrap();
        let err = s
            .instantiate(
                &*module,
                &[Import {
                    module: "lib".into(),
                    name: name.into(),
                    value: ImportValue::Extern(handle),
                }],
            )
            .unwrap_err();
        match err {
            Error::Unsupported { engine, what } => {
                assert_eq!(engine, "wasm3");
                assert!(what.contains(&format!("lib::{name}")), "{what}");
            }
            other => panic!("expected Unsupported, got {other:?}"),
        }
    }
    assert!(matches!(
        s.new_memory(wasmux_core::MemoryType {
            minimum: 1,
            maximum: None
        }),
        Err(Error::Unsupported { .. })
    ));
}
