//! Shared by the test files: every variant of the engine, and shortcuts to run a module.

#![allow(dead_code)]

use std::sync::Arc;
use wasmux_core::{Engine, Error, Import, InstanceId, Store, StoreConfig, Val};

/// Runs `test` on every variant this build provides, naming the variant on failure.
pub fn each_engine(test: impl Fn(&dyn Engine)) {
    let engines = wasmux_engine_wasmer::engines();
    assert!(!engines.is_empty());
    for engine in &engines {
        eprintln!("-- {}", engine.info().name);
        test(engine.as_ref());
    }
}

pub fn engines() -> Vec<Arc<dyn Engine>> {
    wasmux_engine_wasmer::engines()
}

pub fn wasm(text: &str) -> Vec<u8> {
    wat::parse_str(text).expect("test module parses")
}

pub fn new_store(engine: &dyn Engine) -> Box<dyn Store> {
    engine.new_store(&StoreConfig::default()).expect("store")
}

/// Compiles and instantiates `text` in a new store.
pub fn instance(
    engine: &dyn Engine,
    text: &str,
    imports: &[Import],
) -> (Box<dyn Store>, InstanceId) {
    let mut store = new_store(engine);
    let id = instantiate(engine, store.as_mut(), text, imports);
    (store, id)
}

pub fn instantiate(
    engine: &dyn Engine,
    store: &mut dyn Store,
    text: &str,
    imports: &[Import],
) -> InstanceId {
    let module = engine.compile(&wasm(text)).expect("compiles");
    store
        .instantiate(module.as_ref(), imports)
        .expect("instantiates")
}

pub fn call(
    store: &mut dyn Store,
    id: InstanceId,
    func: &str,
    args: &[Val],
) -> Result<Vec<Val>, Error> {
    store.call(id, func, args)
}
