//! Deep recursion traps with StackOverflow and never takes the host down.

mod common;

use common::*;
use wasmux_core::{StoreConfig, Trap, Val};

const RECURSE: &str = r#"
(module
  (func $f (export "forever") (call $f))
  (func $g (export "wide") (param i64 i64 i64 i64 i64 i64 i64 i64) (result i64)
    (local f64 f64 f64 f64 f64 f64 f64 f64 f64 f64 f64 f64 f64 f64 f64 f64)
    (call $g (local.get 0) (local.get 1) (local.get 2) (local.get 3)
             (local.get 4) (local.get 5) (local.get 6) (local.get 7)))
  (func $depth (export "depth") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (i32.const 0))
      (else (i32.add (i32.const 1) (call $depth (i32.sub (local.get 0) (i32.const 1)))))))
  (func $indirect (export "indirect") (call_indirect (i32.const 0)))
  (table 1 funcref)
  (elem (i32.const 0) $indirect)
)"#;

#[test]
fn infinite_recursion_is_a_stack_overflow_and_the_instance_survives() {
    let (mut s, id) = instance(RECURSE, &[]);
    for _ in 0..3 {
        let err = s.call(id, "forever", &[]).unwrap_err();
        assert_eq!(err.as_trap(), Some(Trap::StackOverflow), "{err}");
        assert_eq!(
            call1(&mut *s, id, "depth", &[Val::I32(1000)]),
            Val::I32(1000)
        );
    }
    let err = s.call(id, "indirect", &[]).unwrap_err();
    assert_eq!(err.as_trap(), Some(Trap::StackOverflow), "{err}");
    let err = s.call(id, "wide", &[Val::I64(1); 8]).unwrap_err();
    assert_eq!(err.as_trap(), Some(Trap::StackOverflow), "{err}");
    assert_eq!(call1(&mut *s, id, "depth", &[Val::I32(10)]), Val::I32(10));
}

#[test]
fn the_native_stack_check_is_linked_in() {
    // wasm3 declares its per-call hook weak; the adapter's definition must be the one used,
    // or only the value-stack check would stand between a guest and the host's stack.
    let (mut s, id) = instance(RECURSE, &[]);
    wasmux_engine_wasm3::take_hook_seen();
    s.call(id, "depth", &[Val::I32(3)]).unwrap();
    assert!(wasmux_engine_wasm3::take_hook_seen());
}

#[test]
fn a_huge_value_stack_still_stops_at_the_native_limit() {
    // With 1 GiB of interpreter stack, the native stack runs out first: the per-call check
    // must catch it.
    let engine = engine();
    let mut s = engine
        .new_store(&StoreConfig {
            max_stack_bytes: Some(1 << 30),
        })
        .unwrap();
    let module = compile(RECURSE).unwrap();
    let id = s.instantiate(&*module, &[]).unwrap();
    let err = s.call(id, "forever", &[]).unwrap_err();
    assert_eq!(err.as_trap(), Some(Trap::StackOverflow), "{err}");
    assert_eq!(call1(&mut *s, id, "depth", &[Val::I32(100)]), Val::I32(100));
}

#[test]
fn a_small_stack_limits_depth() {
    let engine = engine();
    let mut s = engine
        .new_store(&StoreConfig {
            max_stack_bytes: Some(64 << 10),
        })
        .unwrap();
    let module = compile(RECURSE).unwrap();
    let id = s.instantiate(&*module, &[]).unwrap();
    assert_eq!(call1(&mut *s, id, "depth", &[Val::I32(100)]), Val::I32(100));
    let err = s.call(id, "depth", &[Val::I32(1_000_000)]).unwrap_err();
    assert_eq!(err.as_trap(), Some(Trap::StackOverflow), "{err}");
}

#[test]
fn recursion_works_from_other_threads() {
    let handles: Vec<_> = (0..2)
        .map(|_| {
            std::thread::Builder::new()
                .stack_size(256 << 10)
                .spawn(|| {
                    let (mut s, id) = instance(RECURSE, &[]);
                    let err = s.call(id, "forever", &[]).unwrap_err();
                    assert_eq!(err.as_trap(), Some(Trap::StackOverflow));
                    // Stores can move between threads.
                    s
                })
                .unwrap()
        })
        .collect();
    for h in handles {
        let mut s = h.join().unwrap();
        let exports = s.exports(wasmux_core::InstanceId(0));
        assert!(!exports.is_empty());
        let err = s
            .call(wasmux_core::InstanceId(0), "forever", &[])
            .unwrap_err();
        assert_eq!(err.as_trap(), Some(Trap::StackOverflow));
    }
}
