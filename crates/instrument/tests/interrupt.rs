mod common;

use common::{assert_valid, host_trap, instantiate, wat, HostTrap};
use wasmi::Val;
use wasmux_instrument::{instrument, Options, CHECK_INTERVAL};

const INTERRUPT: Options = Options {
    fuel: false,
    interrupt: true,
    max_memory_pages: None,
    lower_post_mvp: false,
};

#[test]
fn endless_loop_is_checked_periodically() {
    let src = r#"(module (func (export "spin") (loop $l (br $l))))"#;
    let wasm = instrument(&wat(src), &INTERRUPT).unwrap();
    assert_valid(&wasm);
    let mut vm = instantiate(&wasm).unwrap();
    vm.store.data_mut().stop_at_check = Some(5);
    let err = vm.call("spin", &[]).unwrap_err();
    assert_eq!(host_trap(&err), Some(HostTrap::Stopped));
    assert_eq!(vm.store.data().checks, 5);
}

#[test]
fn checks_come_every_interval_of_loop_headers_and_entries() {
    let src = r#"(module
      (func (export "run") (param $n i32)
        (loop $l
          (local.set $n (i32.sub (local.get $n) (i32.const 1)))
          (br_if $l (local.get $n)))))"#;
    let wasm = instrument(&wat(src), &INTERRUPT).unwrap();
    let mut vm = instantiate(&wasm).unwrap();
    let iterations = 2 * CHECK_INTERVAL + CHECK_INTERVAL / 2;
    vm.call("run", &[Val::I32(iterations as i32)]).unwrap();
    // One function entry plus one loop header per iteration.
    assert_eq!(vm.store.data().checks, (1 + iterations) / CHECK_INTERVAL);
    // The countdown carries over between calls.
    vm.call("run", &[Val::I32(iterations as i32)]).unwrap();
    assert_eq!(
        vm.store.data().checks,
        2 * (1 + iterations) / CHECK_INTERVAL
    );
}

#[test]
fn recursion_is_checked_at_function_entry() {
    // Tail calls recurse forever without a loop and without growing the stack.
    let src = r#"(module (func $f (export "f") (return_call $f)))"#;
    let wasm = instrument(&wat(src), &INTERRUPT).unwrap();
    let mut vm = instantiate(&wasm).unwrap();
    vm.store.data_mut().stop_at_check = Some(2);
    let err = vm.call("f", &[]).unwrap_err();
    assert_eq!(host_trap(&err), Some(HostTrap::Stopped));
}

#[test]
fn fuel_and_interrupt_together() {
    let src = r#"(module (func (export "spin") (loop $l (br $l))))"#;
    let opts = Options {
        fuel: true,
        ..INTERRUPT
    };
    let wasm = instrument(&wat(src), &opts).unwrap();
    assert_valid(&wasm);
    let mut vm = instantiate(&wasm).unwrap();
    vm.set_fuel(u64::from(CHECK_INTERVAL) * 3);
    let err = vm.call("spin", &[]).unwrap_err();
    assert_eq!(host_trap(&err), Some(HostTrap::OutOfFuel));
    assert_eq!(vm.store.data().checks, 3);
}
