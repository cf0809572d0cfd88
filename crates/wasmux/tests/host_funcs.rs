//! One host function, registered once, works on every engine, with the caller's memory.

mod common;
use common::*;
use wasmux::{Error, FuncType, HostError, HostFunc, Runtime, Trap, Val, ValType};

const GUEST: &str = r#"(module
  (import "host" "sum_bytes" (func $sum (param i32 i32) (result i32)))
  (import "host" "fail" (func $fail (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "\01\02\03\04\05")
  (func (export "run") (result i32) (call $sum (i32.const 16) (i32.const 5)))
  (func (export "fail") (param i32) (call $fail (local.get 0)))
  (func (export "first") (result i32) (i32.load8_u (i32.const 0))))"#;

fn runtime(engine: &str) -> Runtime {
    let sum = HostFunc::new(
        FuncType::new([ValType::I32, ValType::I32], [ValType::I32]),
        |caller, params, results| {
            let (Val::I32(ptr), Val::I32(len)) = (params[0], params[1]) else {
                return Err(HostError::Message("bad params".into()));
            };
            let mem = caller
                .memory()
                .ok_or(HostError::Message("no memory".into()))?;
            let bytes = mem
                .get(ptr as usize..(ptr + len) as usize)
                .ok_or(HostError::Trap(Trap::MemoryOutOfBounds))?;
            let total: i32 = bytes.iter().map(|b| *b as i32).sum();
            // The host writes back too: the guest sees it through `first`.
            mem[0] = 42;
            results[0] = Val::I32(total);
            Ok(())
        },
    );
    let fail = HostFunc::new(
        FuncType::new([ValType::I32], []),
        |_, params, _| match params[0] {
            Val::I32(0) => Err(HostError::Exit(3)),
            Val::I32(1) => Err(HostError::Trap(Trap::Interrupted)),
            _ => Err(HostError::Message("the host said no".into())),
        },
    );
    Runtime::builder()
        .engine(engine)
        .func("host", "sum_bytes", sum)
        .func("host", "fail", fail)
        .build()
        .unwrap()
}

#[test]
fn a_host_function_reads_and_writes_guest_memory_on_every_engine() {
    for engine in engines() {
        let mut inst = runtime(&engine).instantiate(&module(GUEST)).unwrap();
        assert_eq!(
            inst.call("run", &[]).unwrap(),
            vec![Val::I32(15)],
            "{engine}"
        );
        assert_eq!(
            inst.call("first", &[]).unwrap(),
            vec![Val::I32(42)],
            "{engine}"
        );
        assert_eq!(inst.last_call_stats().host_calls, 0, "{engine}");
        inst.call("run", &[]).unwrap();
        assert_eq!(inst.last_call_stats().host_calls, 1, "{engine}");
    }
}

#[test]
fn host_errors_come_back_as_the_same_error_on_every_engine() {
    for engine in engines() {
        let mut inst = runtime(&engine).instantiate(&module(GUEST)).unwrap();
        match inst.call("fail", &[Val::I32(0)]) {
            Err(Error::Exit(3)) => {}
            other => panic!("{engine}: {other:?}"),
        }
        assert_eq!(
            trap_of(&engine, inst.call("fail", &[Val::I32(1)])),
            Trap::Interrupted
        );
        match inst.call("fail", &[Val::I32(2)]) {
            Err(Error::Trap {
                trap: Trap::HostError,
                detail: Some(d),
                ..
            }) => assert!(d.contains("the host said no"), "{engine}: {d}"),
            other => panic!("{engine}: {other:?}"),
        }
    }
}

#[test]
fn a_host_function_of_the_wrong_type_is_refused_by_name() {
    let wrong = HostFunc::new(FuncType::new([], []), |_, _, _| Ok(()));
    for engine in engines() {
        let err = Runtime::builder()
            .engine(&engine)
            .func("host", "sum_bytes", wrong.clone())
            .build()
            .unwrap()
            .instantiate(&module(GUEST))
            .err()
            .unwrap();
        let text = err.to_string();
        assert!(text.contains("host::sum_bytes"), "{engine}: {text}");
    }
}
