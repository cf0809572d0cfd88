mod common;

use common::{assert_valid, host_trap, instantiate, wat, HostTrap};
use wasmi::Val;
use wasmux_instrument::{cost::cost, instrument, Options};

const FUEL: Options = Options {
    fuel: true,
    interrupt: false,
    max_memory_pages: None,
    lower_post_mvp: false,
};

/// Counts to `n`. Segments and their costs (from the cost table):
/// - entry: `block`, then `loop`: 0 each;
/// - loop head: `local.get`, `local.get`, `i32.ge_u`, `br_if`: 4;
/// - loop tail: `local.get`, `i32.const`, `i32.add`, `local.set`, `br`: 5;
/// - after the block: `local.get`, `end`: 1.
///
/// So counting to `n` costs `9 n + 4 + 1`.
const COUNT: &str = r#"(module
  (func $count (export "count") (param $n i32) (result i32) (local $i i32)
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l)))
    (local.get $i))
  (func (export "twice") (param $n i32) (result i32)
    (i32.add (call $count (local.get $n)) (call $count (local.get $n)))))"#;

fn count_cost(n: u64) -> u64 {
    9 * n + 5
}

#[test]
fn consumed_fuel_matches_the_cost_table() {
    assert_eq!(cost(&wasmparser::Operator::I32Add), 1);
    assert_eq!(cost(&wasmparser::Operator::Call { function_index: 0 }), 5);
    let wasm = instrument(&wat(COUNT), &FUEL).unwrap();
    assert_valid(&wasm);
    let mut vm = instantiate(&wasm).unwrap();
    for n in [0u64, 1, 2, 10, 1000] {
        vm.set_fuel(1_000_000);
        let got = vm.call_i32("count", &[Val::I32(n as i32)]).unwrap();
        assert_eq!(got as u64, n);
        assert_eq!(1_000_000 - vm.fuel(), count_cost(n), "n = {n}");
    }
    // `twice`: two calls (5 each) and the `i32.add` and `end` after the second call
    // (1 + 0); `local.get` before each call is in the call's segment (1 each).
    vm.set_fuel(1_000_000);
    vm.call_i32("twice", &[Val::I32(7)]).unwrap();
    assert_eq!(1_000_000 - vm.fuel(), 2 * count_cost(7) + 2 * (1 + 5) + 1);
}

#[test]
fn exact_budget_suffices_and_one_less_runs_out() {
    let wasm = instrument(&wat(COUNT), &FUEL).unwrap();
    let mut vm = instantiate(&wasm).unwrap();
    vm.set_fuel(count_cost(50));
    assert_eq!(vm.call_i32("count", &[Val::I32(50)]).unwrap(), 50);
    assert_eq!(vm.fuel(), 0);

    vm.set_fuel(count_cost(50) - 1);
    let err = vm.call_i32("count", &[Val::I32(50)]).unwrap_err();
    assert_eq!(host_trap(&err), Some(HostTrap::OutOfFuel));
    assert_eq!(vm.store.data().out_of_fuel_calls, 1);
    // Everything up to the last segment was paid for; the last one (cost 1) could not be.
    assert_eq!(vm.fuel(), 0);
}

#[test]
fn endless_loop_runs_out() {
    let src = r#"(module (func (export "spin") (loop $l (br $l))))"#;
    let wasm = instrument(&wat(src), &FUEL).unwrap();
    let mut vm = instantiate(&wasm).unwrap();
    vm.set_fuel(12_345);
    let err = vm.call("spin", &[]).unwrap_err();
    assert_eq!(host_trap(&err), Some(HostTrap::OutOfFuel));
    // Each iteration is one `br` costing 1, so all of it was used.
    assert_eq!(vm.fuel(), 0);
}

#[test]
fn zero_fuel_stops_before_the_first_instruction() {
    let src = r#"(module (memory (export "memory") 1)
      (func (export "poke") (i32.store (i32.const 0) (i32.const 7))))"#;
    let wasm = instrument(&wat(src), &FUEL).unwrap();
    let mut vm = instantiate(&wasm).unwrap();
    vm.set_fuel(0);
    let err = vm.call("poke", &[]).unwrap_err();
    assert_eq!(host_trap(&err), Some(HostTrap::OutOfFuel));
    assert_eq!(vm.memory()[0], 0);
}

/// Until the host sets the tank, it is full: code reached before that (a function a failed
/// instantiation left in a shared table) runs as it would unmetered.
#[test]
fn an_unset_tank_is_full() {
    let src = r#"(module (memory (export "memory") 1)
      (func (export "poke") (i32.store (i32.const 0) (i32.const 7))))"#;
    let wasm = instrument(&wat(src), &FUEL).unwrap();
    let mut vm = instantiate(&wasm).unwrap();
    vm.call("poke", &[]).unwrap();
    assert_eq!(vm.memory()[0], 7);
    assert!(vm.fuel() > u64::MAX - 100, "{}", vm.fuel());
}

#[test]
fn start_function_is_exported_so_it_runs_after_fuel_is_set() {
    let src = r#"(module
      (global $g (mut i32) (i32.const 0))
      (func $init (global.set $g (i32.const 42)))
      (func (export "get") (result i32) (global.get $g))
      (start $init))"#;
    let wasm = instrument(&wat(src), &FUEL).unwrap();
    assert_valid(&wasm);
    let mut vm = instantiate(&wasm).unwrap();
    vm.set_fuel(100);
    assert_eq!(vm.call_i32("get", &[]).unwrap(), 0);
    vm.call(wasmux_instrument::START_EXPORT, &[]).unwrap();
    assert_eq!(vm.call_i32("get", &[]).unwrap(), 42);
}

#[test]
fn lowering_does_not_change_consumed_fuel() {
    let src = r#"(module
      (func (export "f") (param i32 f64) (result i32)
        (i32.add (i32.extend8_s (local.get 0)) (i32.trunc_sat_f64_s (local.get 1)))))"#;
    let plain = instrument(&wat(src), &FUEL).unwrap();
    let lowered = instrument(
        &wat(src),
        &Options {
            lower_post_mvp: true,
            ..FUEL
        },
    )
    .unwrap();
    let mut used = Vec::new();
    for wasm in [plain, lowered] {
        assert_valid(&wasm);
        let mut vm = instantiate(&wasm).unwrap();
        vm.set_fuel(1000);
        let r = vm
            .call_i32("f", &[Val::I32(0x80), Val::F64(1e300.into())])
            .unwrap();
        assert_eq!(r, i32::MAX - 128);
        used.push(1000 - vm.fuel());
    }
    assert_eq!(used[0], used[1]);
    // local.get, i32.extend8_s, local.get, i32.trunc_sat_f64_s, i32.add at 1; end at 0.
    assert_eq!(used[0], 5);
}
