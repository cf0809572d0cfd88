//! Host functions: arguments and results, guest memory, and each way they can fail.

mod common;

use common::{call, each_engine, instance};
use wasmux_core::{Error, FuncType, HostError, HostFunc, Import, ImportValue, Trap, Val, ValType};

fn import(name: &str, func: HostFunc) -> Import {
    Import {
        module: "host".into(),
        name: name.into(),
        value: ImportValue::Func(func),
    }
}

/// `host.f: (i32) -> ()`, failing as told.
fn failing(err: HostError) -> HostFunc {
    HostFunc::new(FuncType::new([ValType::I32], []), move |_, _, _| {
        Err(err.clone())
    })
}

const CALLS_F: &str = r#"
(module
  (import "host" "f" (func $f (param i32)))
  (func (export "run") (param i32) (call $f (local.get 0)))
)
"#;

/// `(i32 i64 f32 f64 externref)` in, the same values out in reverse order.
const REVERSE: &str = r#"
(module
  (import "host" "rev" (func $rev (param i32 i64 f32 f64 externref)
                                  (result externref f64 f32 i64 i32)))
  (func (export "run") (param i32 i64 f32 f64 externref)
                       (result externref f64 f32 i64 i32)
    (call $rev (local.get 0) (local.get 1) (local.get 2) (local.get 3) (local.get 4)))
)
"#;

fn reverse() -> HostFunc {
    let ty = FuncType::new(
        [
            ValType::I32,
            ValType::I64,
            ValType::F32,
            ValType::F64,
            ValType::ExternRef,
        ],
        [
            ValType::ExternRef,
            ValType::F64,
            ValType::F32,
            ValType::I64,
            ValType::I32,
        ],
    );
    HostFunc::new(ty, |_, params, results| {
        for (r, p) in results.iter_mut().zip(params.iter().rev()) {
            *r = *p;
        }
        Ok(())
    })
}

#[test]
fn every_type_in_and_out_of_host_functions() {
    // One identity host function per type, so that every compiler can import them.
    let types = [
        (ValType::I32, Val::I32(-1)),
        (ValType::I64, Val::I64(i64::MIN)),
        (ValType::F32, Val::F32(0x7fc0_0001)),
        (ValType::F64, Val::F64(0x7ff8_0000_0000_0001)),
        (ValType::ExternRef, Val::ExternRef(Some(9))),
        (ValType::ExternRef, Val::ExternRef(None)),
        (ValType::FuncRef, Val::FuncRef(None)),
    ];
    each_engine(|engine| {
        for (ty, v) in types {
            let id_fn = HostFunc::new(FuncType::new([ty], [ty]), |_, p, r| {
                r[0] = p[0];
                Ok(())
            });
            let text = format!(
                r#"(module
                  (import "host" "id" (func $id (param {ty}) (result {ty})))
                  (func (export "run") (param {ty}) (result {ty}) (call $id (local.get 0))))"#
            );
            let (mut store, id) = instance(engine, &text, &[import("id", id_fn)]);
            assert_eq!(
                call(store.as_mut(), id, "run", &[v]).unwrap(),
                vec![v],
                "{ty}"
            );
        }
    });
}

#[test]
fn host_functions_with_several_results() {
    let args = [
        Val::I32(1),
        Val::I64(-2),
        Val::f32(3.5),
        Val::F64(0x7ff8_0000_0000_0001),
        Val::ExternRef(Some(9)),
    ];
    each_engine(|engine| {
        if engine.info().name == "wasmer" {
            // Singlepass cannot compile an import with several results.
            let err = engine.compile(&common::wasm(REVERSE)).err().unwrap();
            assert!(matches!(err, Error::Unsupported { .. }), "{err}");
            assert!(err.to_string().contains("host::rev"), "{err}");
            return;
        }
        let (mut store, id) = instance(engine, REVERSE, &[import("rev", reverse())]);
        let out = call(store.as_mut(), id, "run", &args).unwrap();
        let expected: Vec<Val> = args.iter().rev().copied().collect();
        assert_eq!(out, expected);
    });
}

#[test]
fn host_reads_and_writes_guest_memory() {
    // Upper-cases `len` bytes at `ptr` in the caller's memory and returns their sum.
    let upcase = HostFunc::new(
        FuncType::new([ValType::I32, ValType::I32], [ValType::I32]),
        |caller, params, results| {
            let (Val::I32(ptr), Val::I32(len)) = (params[0], params[1]) else {
                unreachable!()
            };
            let memory = caller
                .memory()
                .ok_or_else(|| HostError::Message("no memory".into()))?;
            let bytes = memory
                .get_mut(ptr as usize..(ptr + len) as usize)
                .ok_or_else(|| HostError::Message("out of bounds".into()))?;
            let sum: i32 = bytes.iter().map(|b| *b as i32).sum();
            bytes.make_ascii_uppercase();
            results[0] = Val::I32(sum);
            Ok(())
        },
    );
    each_engine(|engine| {
        let text = r#"
        (module
          (import "host" "upcase" (func $upcase (param i32 i32) (result i32)))
          (memory (export "memory") 1)
          (data (i32.const 16) "abc")
          (func (export "run") (result i32) (call $upcase (i32.const 16) (i32.const 3)))
          (func (export "load") (param i32) (result i32) (i32.load8_u (local.get 0)))
        )"#;
        let (mut store, id) = instance(engine, text, &[import("upcase", upcase.clone())]);
        let s = store.as_mut();
        assert_eq!(
            call(s, id, "run", &[]).unwrap(),
            vec![Val::I32(97 + 98 + 99)]
        );
        for (i, c) in b"ABC".iter().enumerate() {
            let got = call(s, id, "load", &[Val::I32(16 + i as i32)]).unwrap();
            assert_eq!(got, vec![Val::I32(*c as i32)]);
        }
    });
}

#[test]
fn host_sees_memory_grown_by_the_guest() {
    let size = HostFunc::new(FuncType::new([], [ValType::I32]), |caller, _, results| {
        results[0] = Val::I32(caller.memory().map_or(-1, |m| m.len() as i32));
        Ok(())
    });
    each_engine(|engine| {
        let text = r#"
        (module
          (import "host" "size" (func $size (result i32)))
          (memory 1)
          (export "memory" (memory 0))
          (func (export "run") (result i32)
            (drop (memory.grow (i32.const 2)))
            (call $size))
        )"#;
        let (mut store, id) = instance(engine, text, &[import("size", size.clone())]);
        assert_eq!(
            call(store.as_mut(), id, "run", &[]).unwrap(),
            vec![Val::I32(3 * 65536)]
        );
    });
}

#[test]
fn host_without_guest_memory_sees_none() {
    let probe = HostFunc::new(FuncType::new([], [ValType::I32]), |caller, _, results| {
        results[0] = Val::I32(caller.memory().is_some() as i32);
        Ok(())
    });
    each_engine(|engine| {
        let text = r#"
        (module
          (import "host" "probe" (func $p (result i32)))
          (func (export "run") (result i32) (call $p))
        )"#;
        let (mut store, id) = instance(engine, text, &[import("probe", probe.clone())]);
        assert_eq!(
            call(store.as_mut(), id, "run", &[]).unwrap(),
            vec![Val::I32(0)]
        );
    });
}

#[test]
fn host_errors_come_back_as_they_were_raised() {
    each_engine(|engine| {
        for trap in [Trap::Timeout, Trap::OutOfFuel, Trap::Interrupted] {
            let (mut store, id) = instance(
                engine,
                CALLS_F,
                &[import("f", failing(HostError::Trap(trap)))],
            );
            let err = call(store.as_mut(), id, "run", &[Val::I32(0)]).unwrap_err();
            assert_eq!(err.as_trap(), Some(trap), "{err}");
        }

        let (mut store, id) =
            instance(engine, CALLS_F, &[import("f", failing(HostError::Exit(3)))]);
        let err = call(store.as_mut(), id, "run", &[Val::I32(0)]).unwrap_err();
        assert!(matches!(err, Error::Exit(3)), "{err}");

        let (mut store, id) = instance(
            engine,
            CALLS_F,
            &[import(
                "f",
                failing(HostError::Message("disk on fire".into())),
            )],
        );
        match call(store.as_mut(), id, "run", &[Val::I32(0)]).unwrap_err() {
            Error::Trap { trap, detail } => {
                assert_eq!(trap, Trap::HostError);
                assert_eq!(detail.as_deref(), Some("disk on fire"));
            }
            other => panic!("{other}"),
        }
    });
}

#[test]
fn host_panic_is_a_host_error_and_the_store_survives() {
    let panicky = HostFunc::new(FuncType::new([ValType::I32], []), |_, params, _| {
        if params[0] == Val::I32(1) {
            panic!("host bug");
        }
        Ok(())
    });
    each_engine(|engine| {
        let (mut store, id) = instance(engine, CALLS_F, &[import("f", panicky.clone())]);
        let s = store.as_mut();
        match call(s, id, "run", &[Val::I32(1)]).unwrap_err() {
            Error::Trap { trap, detail } => {
                assert_eq!(trap, Trap::HostError);
                assert!(detail.unwrap().contains("host bug"));
            }
            other => panic!("{other}"),
        }
        assert_eq!(call(s, id, "run", &[Val::I32(0)]).unwrap(), vec![]);
    });
}

#[test]
fn host_result_of_wrong_type_is_a_host_error() {
    let liar = HostFunc::new(FuncType::new([], [ValType::I32]), |_, _, results| {
        results[0] = Val::I64(1);
        Ok(())
    });
    each_engine(|engine| {
        let text = r#"
        (module
          (import "host" "liar" (func $l (result i32)))
          (func (export "run") (result i32) (call $l))
        )"#;
        let (mut store, id) = instance(engine, text, &[import("liar", liar.clone())]);
        let err = call(store.as_mut(), id, "run", &[]).unwrap_err();
        assert_eq!(err.as_trap(), Some(Trap::HostError), "{err}");
    });
}

#[test]
fn host_error_in_start_function() {
    each_engine(|engine| {
        let text = r#"
        (module
          (import "host" "f" (func $f (param i32)))
          (func $start (call $f (i32.const 0)))
          (start $start)
        )"#;
        let module = engine.compile(&common::wasm(text)).unwrap();
        let mut store = common::new_store(engine);
        let exit = [import("f", failing(HostError::Exit(7)))];
        let err = store.instantiate(module.as_ref(), &exit).unwrap_err();
        assert!(matches!(err, Error::Exit(7)), "{err}");
        let msg = [import("f", failing(HostError::Message("nope".into())))];
        let err = store.instantiate(module.as_ref(), &msg).unwrap_err();
        assert!(
            matches!(&err, Error::Trap { trap: Trap::HostError, detail: Some(d) } if d.contains("nope")),
            "{err}"
        );
    });
}
