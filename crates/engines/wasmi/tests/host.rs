//! Host functions: calls with values, guest memory access, errors and panics.

mod common;

use common::*;
use wasmux_core::{Error, HostError, HostFunc, ImportValue, Store, Trap, Val, ValType};

const GUEST: &str = r#"
(module
  (import "host" "f" (func $f (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "hello")
  (func (export "run") (param i32 i32) (result i32) (call $f (local.get 0) (local.get 1)))
  (func (export "load") (param i32) (result i32) (i32.load8_u (local.get 0)))
)
"#;

fn with_host(
    wat: &str,
    body: impl Fn(&mut dyn wasmux_core::Caller, &[Val], &mut [Val]) -> Result<(), HostError>
        + Send
        + Sync
        + 'static,
) -> (Box<dyn Store>, wasmux_core::InstanceId) {
    let engine = engine();
    let module = compile(&*engine, wat);
    let mut s = store(&*engine);
    let f = HostFunc::new(
        wasmux_core::FuncType::new([ValType::I32, ValType::I32], [ValType::I32]),
        body,
    );
    let id = s
        .instantiate(&*module, &[import("host", "f", ImportValue::Func(f))])
        .unwrap();
    (s, id)
}

#[test]
fn host_reads_and_writes_guest_memory() {
    let (mut s, id) = with_host(GUEST, |caller, params, results| {
        let (ptr, len) = (params[0], params[1]);
        let (Val::I32(ptr), Val::I32(len)) = (ptr, len) else {
            unreachable!()
        };
        let mem = caller.memory().expect("guest memory");
        let text = mem[ptr as usize..(ptr + len) as usize].to_vec();
        assert_eq!(text, b"hello");
        mem[100] = b'!';
        results[0] = Val::I32(len * 2);
        Ok(())
    });
    assert_eq!(
        call(&mut *s, id, "run", &[Val::I32(16), Val::I32(5)]),
        [Val::I32(10)]
    );
    assert_eq!(
        call(&mut *s, id, "load", &[Val::I32(100)]),
        [Val::I32(b'!' as i32)]
    );
}

/// A memory exported under another name is not lent to host functions: `memory` is the one
/// rule on every engine.
#[test]
fn memory_under_another_name_is_not_lent() {
    let wat = GUEST.replace("(export \"memory\")", "(export \"heap\")");
    let (mut s, id) = with_host(&wat, |caller, _, results| {
        results[0] = Val::I32(caller.memory().map_or(-1, |m| m[16] as i32));
        Ok(())
    });
    assert_eq!(
        call(&mut *s, id, "run", &[Val::I32(0), Val::I32(0)]),
        [Val::I32(-1)]
    );
}

#[test]
fn no_memory_is_none() {
    let wat = r#"(module
      (import "host" "f" (func $f (param i32 i32) (result i32)))
      (func (export "run") (param i32 i32) (result i32) (call $f (local.get 0) (local.get 1))))"#;
    let (mut s, id) = with_host(wat, |caller, _, results| {
        results[0] = Val::I32(caller.memory().is_none() as i32);
        Ok(())
    });
    assert_eq!(
        call(&mut *s, id, "run", &[Val::I32(0), Val::I32(0)]),
        [Val::I32(1)]
    );
}

/// Whether an error is the one a host error should have become.
type Check = fn(&Error) -> bool;

#[test]
fn host_errors_propagate() {
    let cases: [(HostError, Check); 3] = [
        (HostError::Trap(Trap::Timeout), |e| {
            e.as_trap() == Some(Trap::Timeout)
        }),
        (HostError::Exit(3), |e| matches!(e, Error::Exit(3))),
        (
            HostError::Message("boom".into()),
            |e| matches!(e, Error::Trap { trap: Trap::HostError, detail: Some(d) } if d == "boom"),
        ),
    ];
    for (host_err, check) in cases {
        let thrown = host_err.clone();
        let (mut s, id) = with_host(GUEST, move |_, _, _| Err(thrown.clone()));
        let err = call_err(&mut *s, id, "run", &[Val::I32(0), Val::I32(0)]);
        assert!(check(&err), "{host_err:?} became {err:?}");
        // The store survives the error.
        assert_eq!(
            call(&mut *s, id, "load", &[Val::I32(16)]),
            [Val::I32(b'h' as i32)]
        );
    }
}

#[test]
fn panicking_host_function_is_a_host_error() {
    let (mut s, id) = with_host(GUEST, |_, _, _| panic!("host bug"));
    let err = call_err(&mut *s, id, "run", &[Val::I32(0), Val::I32(0)]);
    match err {
        Error::Trap {
            trap: Trap::HostError,
            detail: Some(d),
        } => assert!(d.contains("host bug"), "{d}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn wrong_result_type_is_a_host_error() {
    let (mut s, id) = with_host(GUEST, |_, _, results| {
        results[0] = Val::I64(1);
        Ok(())
    });
    let err = call_err(&mut *s, id, "run", &[Val::I32(0), Val::I32(0)]);
    assert_eq!(err.as_trap(), Some(Trap::HostError), "{err}");
}

#[test]
fn host_functions_pass_references() {
    let engine = engine();
    let wat = r#"(module
      (import "host" "id" (func $id (param externref) (result externref)))
      (func (export "run") (param externref) (result externref) (call $id (local.get 0))))"#;
    let module = compile(&*engine, wat);
    let mut s = store(&*engine);
    let f = HostFunc::new(
        wasmux_core::FuncType::new([ValType::ExternRef], [ValType::ExternRef]),
        |_, params, results| {
            results[0] = match params[0] {
                Val::ExternRef(Some(n)) => Val::ExternRef(Some(n + 1)),
                other => other,
            };
            Ok(())
        },
    );
    let id = s
        .instantiate(&*module, &[import("host", "id", ImportValue::Func(f))])
        .unwrap();
    assert_eq!(
        call(&mut *s, id, "run", &[Val::ExternRef(Some(7))]),
        [Val::ExternRef(Some(8))]
    );
    assert_eq!(
        call(&mut *s, id, "run", &[Val::ExternRef(None)]),
        [Val::ExternRef(None)]
    );
}
