//! Every trap kind wasm code can raise by itself, and deep recursion.

mod common;

use common::{call, each_engine, instance};
use wasmux_core::{Error, StoreConfig, Trap, Val};

const TRAPS: &str = r#"
(module
  (type $void (func))
  (type $takes_i32 (func (param i32)))
  (memory 1 1 shared)
  (table 4 funcref)
  (elem (i32.const 0) $nop)
  (func $nop)
  (func (export "unreachable") unreachable)
  (func (export "memory_oob") (drop (i32.load (i32.const 65536))))
  (func (export "div_zero") (drop (i32.div_u (i32.const 1) (i32.const 0))))
  (func (export "rem_zero") (drop (i64.rem_s (i64.const 1) (i64.const 0))))
  (func (export "overflow") (drop (i32.div_s (i32.const 0x80000000) (i32.const -1))))
  (func (export "bad_conversion") (drop (i32.trunc_f32_s (f32.const nan))))
  (func (export "too_big_conversion") (drop (i64.trunc_f64_u (f64.const 1e30))))
  (func (export "type_mismatch") (call_indirect (type $takes_i32) (i32.const 5) (i32.const 0)))
  (func (export "table_oob") (call_indirect (type $void) (i32.const 4)))
  (func (export "uninitialized") (call_indirect (type $void) (i32.const 1)))
  (func (export "table_get_oob") (drop (table.get 0 (i32.const 9))))
  (func (export "unaligned_atomic") (drop (i32.atomic.load (i32.const 1))))
  (func $recurse (export "recurse") (call $recurse))
  (func $recurse_big (export "recurse_big") (param i64 i64 i64 i64) (result i64)
    (local i64 i64 i64 i64 i64 i64 i64 i64)
    (i64.add (local.get 0)
      (call $recurse_big (local.get 1) (local.get 2) (local.get 3) (local.get 0))))
  (func (export "ok") (result i32) (i32.const 1))
)
"#;

#[test]
fn every_trap_kind() {
    let cases = [
        ("unreachable", Trap::Unreachable),
        ("memory_oob", Trap::MemoryOutOfBounds),
        ("div_zero", Trap::DivideByZero),
        ("rem_zero", Trap::DivideByZero),
        ("overflow", Trap::IntegerOverflow),
        ("bad_conversion", Trap::BadConversionToInteger),
        ("too_big_conversion", Trap::IntegerOverflow),
        ("type_mismatch", Trap::IndirectCallTypeMismatch),
        ("table_oob", Trap::TableOutOfBounds),
        ("uninitialized", Trap::TableOutOfBounds),
        ("table_get_oob", Trap::TableOutOfBounds),
        ("unaligned_atomic", Trap::UnalignedAtomic),
        ("recurse", Trap::StackOverflow),
    ];
    each_engine(|engine| {
        let (mut store, id) = instance(engine, TRAPS, &[]);
        let s = store.as_mut();
        for (func, expected) in cases {
            let err = call(s, id, func, &[]).unwrap_err();
            assert_eq!(err.as_trap(), Some(expected), "{func}: {err}");
            // A trap leaves the store usable.
            assert_eq!(call(s, id, "ok", &[]).unwrap(), vec![Val::I32(1)]);
        }
    });
}

#[test]
fn deep_recursion_overflows_the_stack_again_and_again() {
    each_engine(|engine| {
        let (mut store, id) = instance(engine, TRAPS, &[]);
        let s = store.as_mut();
        for _ in 0..3 {
            let err = call(s, id, "recurse", &[]).unwrap_err();
            assert_eq!(err.as_trap(), Some(Trap::StackOverflow), "{err}");
            let args = [Val::I64(1), Val::I64(2), Val::I64(3), Val::I64(4)];
            let err = call(s, id, "recurse_big", &args).unwrap_err();
            assert_eq!(err.as_trap(), Some(Trap::StackOverflow), "{err}");
            assert_eq!(call(s, id, "ok", &[]).unwrap(), vec![Val::I32(1)]);
        }
    });
}

#[test]
fn stack_limit_from_the_store_config() {
    // Depth reached before overflowing, counted in a global: a larger stack gives more depth.
    // Only growth is checked: wasmer reuses any cached stack at least as large as asked for,
    // so a limit below the stack last used on this thread is not reliably applied. For the
    // same reason every default depth is measured before any large one.
    let text = r#"
    (module
      (global $depth (export "depth") (mut i32) (i32.const 0))
      (func $down (export "down")
        (global.set $depth (i32.add (global.get $depth) (i32.const 1)))
        (call $down))
    )"#;
    let depth = |engine: &dyn wasmux_core::Engine, config: &StoreConfig| {
        let mut store = engine.new_store(config).unwrap();
        let id = common::instantiate(engine, store.as_mut(), text, &[]);
        let err = store.call(id, "down", &[]).unwrap_err();
        assert_eq!(err.as_trap(), Some(Trap::StackOverflow), "{err}");
        match store.global_get(id, "depth") {
            Some(Val::I32(d)) => d,
            other => panic!("{other:?}"),
        }
    };
    let engines = common::engines();
    let defaults: Vec<i32> = engines
        .iter()
        .map(|e| depth(e.as_ref(), &StoreConfig::default()))
        .collect();
    let large = StoreConfig {
        max_stack_bytes: Some(4 << 20),
    };
    for (engine, default) in engines.iter().zip(defaults) {
        let large = depth(engine.as_ref(), &large);
        let name = &engine.info().name;
        assert!(large > default * 2, "{name}: {large} vs {default}");
    }
}

#[test]
fn trap_in_start_function_is_reported_as_that_trap() {
    each_engine(|engine| {
        let module = engine
            .compile(&common::wasm("(module (func $s unreachable) (start $s))"))
            .unwrap();
        let mut store = common::new_store(engine);
        let err = store.instantiate(module.as_ref(), &[]).unwrap_err();
        assert!(
            matches!(
                &err,
                Error::Trap {
                    trap: Trap::Unreachable,
                    ..
                }
            ),
            "{err}"
        );
    });
}

#[test]
fn out_of_bounds_segment_fails_instantiation() {
    each_engine(|engine| {
        let module = engine
            .compile(&common::wasm(
                r#"(module (memory 1) (data (i32.const 65535) "ab"))"#,
            ))
            .unwrap();
        let mut store = common::new_store(engine);
        let err = store.instantiate(module.as_ref(), &[]).unwrap_err();
        // wasmer reports a segment fault the way it reports a trapping start function, so it
        // surfaces as the memory-access trap the spec names for it.
        assert!(
            matches!(
                err,
                Error::Instantiation(_)
                    | Error::Trap {
                        trap: Trap::MemoryOutOfBounds,
                        ..
                    }
            ),
            "{err}"
        );
    });
}
