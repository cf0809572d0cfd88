//! Helpers shared by the facade's integration tests.
#![allow(dead_code)]

use std::thread::JoinHandle;
use std::time::Duration;
use wasmux::{Error, Instance, Limits, Module, Runtime, Trap, Val};

/// Every engine variant in this build.
pub fn engines() -> Vec<String> {
    let names = wasmux::engine_names();
    assert!(!names.is_empty(), "no engines in this build");
    names
}

pub fn module(wat: &str) -> Module {
    Module::from_bytes("test.wat", wat.as_bytes()).expect("test module is valid")
}

pub fn instance(engine: &str, wat: &str, limits: Limits) -> Instance {
    Runtime::builder()
        .engine(engine)
        .limits(limits)
        .build()
        .unwrap()
        .instantiate(&module(wat))
        .unwrap_or_else(|e| panic!("{engine}: {e}"))
}

pub fn trap_of(engine: &str, result: Result<Vec<Val>, Error>) -> Trap {
    match result {
        Err(Error::Trap { trap, .. }) => trap,
        other => panic!("{engine}: expected a trap, got {other:?}"),
    }
}

/// An instance that cancel handles can stop, with no limits.
pub fn interruptible_instance(engine: &str, wat: &str) -> Instance {
    Runtime::builder()
        .engine(engine)
        .interruptible(true)
        .build()
        .unwrap()
        .instantiate(&module(wat))
        .unwrap_or_else(|e| panic!("{engine}: {e}"))
}

/// Cancels the call `instance` runs `after` from now, from another thread.
pub fn cancel_after(instance: &Instance, after: Duration) -> JoinHandle<()> {
    let handle = instance.cancel_handle();
    std::thread::spawn(move || {
        std::thread::sleep(after);
        handle.cancel();
    })
}
