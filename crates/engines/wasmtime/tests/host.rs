//! Host functions: values, guest memory access, and every way they can fail.

mod common;

use common::*;
use wasmux_core::{Error, FuncType, HostError, HostFunc, Import, ImportValue, Trap, Val, ValType};

fn import(name: &str, f: HostFunc) -> Import {
    Import {
        module: "env".into(),
        name: name.into(),
        value: ImportValue::Func(f),
    }
}

/// Sums `len` bytes at `ptr` of the caller's memory, then overwrites them with their index.
fn sum_and_fill() -> HostFunc {
    HostFunc::new(
        FuncType::new([ValType::I32, ValType::I32], [ValType::I32]),
        |caller, args, results| {
            let (Val::I32(ptr), Val::I32(len)) = (args[0], args[1]) else {
                unreachable!()
            };
            let mem = caller
                .memory()
                .ok_or_else(|| HostError::Message("no memory".into()))?;
            let bytes = mem
                .get_mut(ptr as usize..(ptr + len) as usize)
                .ok_or(HostError::Trap(Trap::MemoryOutOfBounds))?;
            let sum: i32 = bytes.iter().map(|&b| b as i32).sum();
            for (i, b) in bytes.iter_mut().enumerate() {
                *b = i as u8;
            }
            results[0] = Val::I32(sum);
            Ok(())
        },
    )
}

const MEMORY_GUEST: &str = r#"
(module
  (import "env" "sum_and_fill" (func $h (param i32 i32) (result i32)))
  (memory (export "MEMNAME") 1)
  (data (i32.const 16) "\01\02\03\04")
  (func (export "run") (result i32) (call $h (i32.const 16) (i32.const 4)))
  (func (export "load") (param i32) (result i32) (i32.load8_u (local.get 0)))
)"#;

#[test]
fn host_reads_and_writes_guest_memory() {
    // Only the memory exported as `memory` is lent (the rule on every engine).
    {
        let name = "memory";
        each_engine(|engine| {
            let mut store = store(engine);
            let wat = MEMORY_GUEST.replace("MEMNAME", name);
            let inst = instantiate(
                engine,
                store.as_mut(),
                &wat,
                &[import("sum_and_fill", sum_and_fill())],
            );
            assert_eq!(call(store.as_mut(), inst, "run", &[]), [Val::I32(10)]);
            for i in 0..4 {
                assert_eq!(
                    call(store.as_mut(), inst, "load", &[Val::I32(16 + i)]),
                    [Val::I32(i)]
                );
            }
        });
    }
}

#[test]
fn host_without_guest_memory_sees_none() {
    each_engine(|engine| {
        let mut store = store(engine);
        let wat = r#"(module
          (import "env" "sum_and_fill" (func $h (param i32 i32) (result i32)))
          (func (export "run") (result i32) (call $h (i32.const 0) (i32.const 0))))"#;
        let inst = instantiate(
            engine,
            store.as_mut(),
            wat,
            &[import("sum_and_fill", sum_and_fill())],
        );
        let err = store.call(inst, "run", &[]).unwrap_err();
        assert!(
            matches!(&err, Error::Trap { trap: Trap::HostError, detail: Some(d) } if d == "no memory"),
            "{err}"
        );
    });
}

#[test]
fn host_functions_take_and_return_every_type() {
    each_engine(|engine| {
        let mut types = vec![
            ValType::I32,
            ValType::I64,
            ValType::F32,
            ValType::F64,
            ValType::V128,
            ValType::FuncRef,
            ValType::ExternRef,
        ];
        let mut args = vec![
            Val::I32(1),
            Val::I64(2),
            Val::f32(3.5),
            Val::f64(4.25),
            Val::V128(u128::MAX - 5),
            Val::FuncRef(None),
            Val::ExternRef(Some(21)),
        ];
        let externref = !NO_EXTERNREF.contains(&engine.info().name.as_str());
        if !externref {
            types.pop();
            args.pop();
        }
        // Returns its arguments reversed, with an externref's number doubled.
        let reverse = HostFunc::new(
            FuncType::new(types.clone(), types.iter().rev().copied()),
            |_, args, out| {
                for (o, a) in out.iter_mut().zip(args.iter().rev()) {
                    *o = match *a {
                        Val::ExternRef(Some(n)) => Val::ExternRef(Some(n * 2)),
                        v => v,
                    };
                }
                Ok(())
            },
        );
        let names = |t: &mut dyn Iterator<Item = &ValType>| {
            t.map(|t| t.to_string()).collect::<Vec<_>>().join(" ")
        };
        let gets: Vec<String> = (0..types.len()).map(|i| format!("local.get {i}")).collect();
        let wat = format!(
            r#"(module
              (type $t (func (param {}) (result {})))
              (import "env" "reverse" (func $r (type $t)))
              (func (export "run") (type $t) {} call $r))"#,
            names(&mut types.iter()),
            names(&mut types.iter().rev()),
            gets.join(" ")
        );
        let mut store = store(engine);
        let inst = instantiate(engine, store.as_mut(), &wat, &[import("reverse", reverse)]);
        let out = call(store.as_mut(), inst, "run", &args);
        let mut expected: Vec<Val> = args.iter().rev().copied().collect();
        if externref {
            expected[0] = Val::ExternRef(Some(42));
        }
        assert_eq!(out, expected);
    });
}

fn failing(result: Result<(), HostError>) -> HostFunc {
    HostFunc::new(FuncType::default(), move |_, _, _| result.clone())
}

const CALLS_FAIL: &str = r#"(module
  (import "env" "fail" (func $fail))
  (func (export "run") call $fail)
  (func (export "ok") (result i32) i32.const 5))"#;

/// What the error coming out of the call must look like.
type Check = fn(&Error) -> bool;

#[test]
fn host_errors_propagate() {
    let cases: [(HostError, Check); 4] = [
        (HostError::Trap(Trap::Timeout), |e| {
            e.as_trap() == Some(Trap::Timeout)
        }),
        (HostError::Trap(Trap::OutOfFuel), |e| {
            e.as_trap() == Some(Trap::OutOfFuel)
        }),
        (HostError::Exit(3), |e| matches!(e, Error::Exit(3))),
        (
            HostError::Message("boom".into()),
            |e| matches!(e, Error::Trap { trap: Trap::HostError, detail: Some(d) } if d == "boom"),
        ),
    ];
    each_engine(|engine| {
        for (host_err, check) in &cases {
            let mut store = store(engine);
            let f = failing(Err(host_err.clone()));
            let inst = instantiate(engine, store.as_mut(), CALLS_FAIL, &[import("fail", f)]);
            let err = store.call(inst, "run", &[]).unwrap_err();
            assert!(check(&err), "{host_err:?} became {err:?}");
            // The store survives the failure.
            assert_eq!(call(store.as_mut(), inst, "ok", &[]), [Val::I32(5)]);
        }
    });
}

#[test]
fn host_panics_become_host_errors() {
    let f = HostFunc::new(FuncType::default(), |_, _, _| panic!("host bug"));
    each_engine(|engine| {
        let mut store = store(engine);
        let inst = instantiate(
            engine,
            store.as_mut(),
            CALLS_FAIL,
            &[import("fail", f.clone())],
        );
        let err = store.call(inst, "run", &[]).unwrap_err();
        assert!(
            matches!(&err, Error::Trap { trap: Trap::HostError, detail: Some(d) } if d.contains("host bug")),
            "{err}"
        );
        assert_eq!(call(store.as_mut(), inst, "ok", &[]), [Val::I32(5)]);
    });
}

#[test]
fn host_result_of_wrong_type_is_a_host_error() {
    let f = HostFunc::new(FuncType::new([], [ValType::I32]), |_, _, out| {
        out[0] = Val::I64(1);
        Ok(())
    });
    each_engine(|engine| {
        let mut store = store(engine);
        let wat = r#"(module (import "env" "f" (func $f (result i32)))
          (func (export "run") (result i32) call $f))"#;
        let inst = instantiate(engine, store.as_mut(), wat, &[import("f", f.clone())]);
        let err = store.call(inst, "run", &[]).unwrap_err();
        assert_eq!(err.as_trap(), Some(Trap::HostError), "{err}");
    });
}

#[test]
fn host_error_in_start_function() {
    each_engine(|engine| {
        let mut store = store(engine);
        let wat = r#"(module (import "env" "fail" (func $fail)) (start $fail))"#;
        let f = failing(Err(HostError::Exit(7)));
        let err = try_instantiate(engine, store.as_mut(), wat, &[import("fail", f)]).unwrap_err();
        assert!(matches!(err, Error::Exit(7)), "{err}");
    });
}

#[test]
fn missing_and_mismatched_imports() {
    each_engine(|engine| {
        let mut store = store(engine);
        let err = try_instantiate(engine, store.as_mut(), CALLS_FAIL, &[]).unwrap_err();
        assert!(
            matches!(&err, Error::UnresolvedImports(v) if v == &["env::fail"]),
            "{err}"
        );
        let wrong = HostFunc::new(FuncType::new([ValType::I32], []), |_, _, _| Ok(()));
        let err = try_instantiate(engine, store.as_mut(), CALLS_FAIL, &[import("fail", wrong)])
            .unwrap_err();
        assert!(
            matches!(&err, Error::IncompatibleImport { module, name, .. } if module == "env" && name == "fail"),
            "{err}"
        );
    });
}
