//! Limits behave identically on every engine: fuel counts, exhaustion, timeouts, cancellation,
//! memory caps, stack overflow.

mod common;
use common::*;
use std::time::Duration;
use wasmux::{Error, Limits, Runtime, Trap, Val};

const SUM: &str = include_str!("../../../examples/sum.wat");
const SPIN: &str = include_str!("../../../examples/spin.wat");

fn fuel(n: u64) -> Limits {
    Limits {
        fuel: Some(n),
        ..Limits::default()
    }
}

#[test]
fn the_same_execution_consumes_the_same_fuel_on_every_engine() {
    let mut seen = Vec::new();
    for engine in engines() {
        let mut inst = instance(&engine, SUM, fuel(10_000_000));
        let out = inst.call("sum", &[Val::I64(1000)]).unwrap();
        assert_eq!(out, vec![Val::I64(499_500)], "{engine}");
        let used = inst.last_call_stats().fuel_consumed.unwrap();
        assert!(used > 1000, "{engine}: {used} fuel for 1000 iterations");
        seen.push((engine, used));
    }
    let first = seen[0].1;
    assert!(
        seen.iter().all(|(_, f)| *f == first),
        "fuel differs between engines: {seen:?}"
    );
}

/// A callee that loops `n` times, then throws; the caller catches. What the callee burned
/// before throwing must stay spent after the catch.
const CAUGHT: &str = r#"(module
  (tag $t)
  (func $work (param $n i32) (local $i i32)
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l)))
    (throw $t))
  (func (export "catching") (param $n i32) (result i32)
    (block $caught
      (try_table (catch $t $caught) (call $work (local.get $n))))
    (i32.const 1)))"#;

#[test]
fn fuel_spent_before_a_caught_exception_stays_spent() {
    for engine in engines() {
        let info = wasmux::engine(&engine).unwrap().info().clone();
        if !info.caps.exceptions {
            continue;
        }
        let mut inst = instance(&engine, CAUGHT, fuel(10_000_000));
        let mut used = |n| {
            inst.call("catching", &[Val::I32(n)]).unwrap();
            inst.last_call_stats().fuel_consumed.unwrap()
        };
        let (none, many) = (used(0), used(1000));
        // Each iteration costs 9 (see the cost table); anything less means a refund.
        assert!(many - none >= 9000, "{engine}: {none} then {many}");
    }
}

#[test]
fn fuel_scales_with_work_and_accumulates_across_calls() {
    for engine in engines() {
        let mut inst = instance(&engine, SUM, fuel(10_000_000));
        inst.call("sum", &[Val::I64(100)]).unwrap();
        let small = inst.last_call_stats().fuel_consumed.unwrap();
        inst.call("sum", &[Val::I64(200)]).unwrap();
        let large = inst.last_call_stats().fuel_consumed.unwrap();
        assert!(large > small, "{engine}: {large} <= {small}");
        let left = inst.fuel_remaining().unwrap();
        assert_eq!(left, 10_000_000 - small - large, "{engine}");
    }
}

#[test]
fn exhausting_fuel_traps_out_of_fuel_on_every_engine() {
    for engine in engines() {
        let mut inst = instance(&engine, SUM, fuel(5_000));
        let trap = trap_of(&engine, inst.call("sum", &[Val::I64(1_000_000)]));
        assert_eq!(trap, Trap::OutOfFuel, "{engine}");
        // Refilled, the same instance runs again.
        inst.set_fuel(10_000_000).unwrap();
        assert_eq!(
            inst.call("sum", &[Val::I64(10)]).unwrap(),
            vec![Val::I64(45)]
        );
    }
}

#[test]
fn a_timeout_stops_an_endless_loop_on_every_engine() {
    for engine in engines() {
        let mut inst = instance(
            &engine,
            SPIN,
            Limits {
                timeout: Some(Duration::from_millis(50)),
                ..Limits::default()
            },
        );
        // A watchdog turns a missed deadline into a failed assertion instead of a hung test.
        let watchdog = cancel_after(&inst, Duration::from_secs(60));
        let trap = trap_of(&engine, inst.call("spin", &[]));
        assert_eq!(trap, Trap::Timeout, "{engine}");
        assert!(inst.interrupt_checks() > 0, "{engine}");
        drop(watchdog);
    }
}

#[test]
fn a_cancel_handle_stops_an_endless_loop_from_another_thread() {
    for engine in engines() {
        let mut inst = interruptible_instance(&engine, SPIN);
        let canceller = cancel_after(&inst, Duration::from_millis(20));
        let trap = trap_of(&engine, inst.call("spin", &[]));
        assert_eq!(trap, Trap::Interrupted, "{engine}");
        canceller.join().unwrap();
    }
}

const GROW: &str = r#"(module
  (memory (export "memory") 1)
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "size") (result i32) (memory.size)))"#;

#[test]
fn memory_grow_past_the_cap_returns_minus_one_on_every_engine() {
    for engine in engines() {
        let mut inst = instance(
            &engine,
            GROW,
            Limits {
                max_memory: Some(4 * 65536),
                ..Limits::default()
            },
        );
        assert_eq!(
            inst.call("grow", &[Val::I32(3)]).unwrap(),
            vec![Val::I32(1)],
            "{engine}"
        );
        assert_eq!(
            inst.call("grow", &[Val::I32(1)]).unwrap(),
            vec![Val::I32(-1)],
            "{engine}"
        );
        assert_eq!(
            inst.call("size", &[]).unwrap(),
            vec![Val::I32(4)],
            "{engine}"
        );
        assert_eq!(
            inst.last_call_stats().peak_memory_bytes,
            4 * 65536,
            "{engine}"
        );
    }
}

#[test]
fn a_module_whose_initial_memory_exceeds_the_cap_is_refused() {
    for engine in engines() {
        let runtime = Runtime::builder()
            .engine(&engine)
            .max_memory(65536)
            .build()
            .unwrap();
        let err = runtime
            .instantiate(&module(r#"(module (memory 2))"#))
            .err()
            .unwrap_or_else(|| panic!("{engine}: instantiated"));
        assert!(matches!(err, Error::Limit(_)), "{engine}: {err}");
        assert!(err.to_string().contains("131072"), "{engine}: {err}");
    }
}

const RECURSE: &str = r#"(module
  (func $down (export "down") (param i64) (result i64)
    (i64.add (i64.const 1) (call $down (local.get 0))))
  (func (export "ok") (result i32) (i32.const 7)))"#;

#[test]
fn deep_recursion_traps_as_stack_overflow_and_the_instance_survives() {
    for engine in engines() {
        let mut inst = instance(&engine, RECURSE, Limits::default());
        let trap = trap_of(&engine, inst.call("down", &[Val::I64(0)]));
        assert_eq!(trap, Trap::StackOverflow, "{engine}");
        assert_eq!(inst.call("ok", &[]).unwrap(), vec![Val::I32(7)], "{engine}");
    }
}

#[test]
fn memory_grow_with_a_huge_delta_fails_with_minus_one_on_every_engine() {
    for engine in engines() {
        let mut inst = instance(&engine, GROW, Limits::default());
        for delta in [-1, 65536, i32::MIN] {
            let out = inst.call("grow", &[Val::I32(delta)]).unwrap();
            assert_eq!(out, vec![Val::I32(-1)], "{engine}: grow({delta})");
        }
        assert_eq!(
            inst.call("size", &[]).unwrap(),
            vec![Val::I32(1)],
            "{engine}"
        );
    }
}

/// Three shapes wasm3 0.4.7 got wrong, each run with no limits and with fuel plus a timeout
/// (whose injected checks put an `if` between a call and the use of its result):
/// - a call's i64 result live across the fuel charge (with 32-bit value slots, wasm3 marked
///   only its low half as taken and reused the high half);
/// - a local read before an `if` that writes it, after an i64 parameter (32-bit slots again:
///   wasm3 took local numbers for slot numbers when saving them);
/// - `memory.size` while a register holds a value (wasm3 refused the function with "no
///   operation found for opcode").
const WASM3_SHAPES: &str = r#"(module
  (memory (export "memory") 1)
  (func $big (result i64) i64.const 0x1122334455667788)
  (func $work (param $p i32)
    local.get $p
    call $big
    i64.store)
  (func (export "call_result") (result i64)
    (call $work (i32.const 8))
    (i64.load (i32.const 8)))
  (func (export "local_before_if") (param $a i64) (param $b i32) (result i32)
    local.get $b
    i32.const 1
    if
      i32.const 99
      local.set $b
    end)
  (func (export "size_in_sum") (param i32) (result i32)
    local.get 0
    i32.const 1
    i32.add
    memory.size
    i32.add))"#;

#[test]
fn call_results_locals_and_memory_size_are_right_with_and_without_limits() {
    let limited = Limits {
        fuel: Some(1_000_000),
        timeout: Some(Duration::from_secs(30)),
        ..Limits::default()
    };
    for engine in engines() {
        for limits in [Limits::default(), limited.clone()] {
            let what = format!("{engine} (fuel: {:?})", limits.fuel);
            let mut inst = instance(&engine, WASM3_SHAPES, limits);
            assert_eq!(
                inst.call("call_result", &[]).unwrap(),
                vec![Val::I64(0x1122334455667788)],
                "{what}"
            );
            assert_eq!(
                inst.call("local_before_if", &[Val::I64(5), Val::I32(7)])
                    .unwrap(),
                vec![Val::I32(7)],
                "{what}"
            );
            assert_eq!(
                inst.call("size_in_sum", &[Val::I32(40)]).unwrap(),
                vec![Val::I32(42)],
                "{what}"
            );
        }
    }
}
