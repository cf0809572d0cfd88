//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::sync::Arc;
use wasmux_core::{CompiledModule, Engine, Error, Import, InstanceId, Store, StoreConfig, Val};

pub fn engine() -> Arc<dyn Engine> {
    let mut engines = wasmux_engine_wasm3::engines();
    assert_eq!(engines.len(), 1);
    engines.pop().unwrap()
}

pub fn compile(wat: &str) -> Result<Arc<dyn CompiledModule>, Error> {
    engine().compile(&wat::parse_str(wat).expect("test module parses"))
}

pub fn store() -> Box<dyn Store> {
    engine().new_store(&StoreConfig::default()).unwrap()
}

/// A fresh store with one instance of `wat`, linked against `imports`.
pub fn instance(wat: &str, imports: &[Import]) -> (Box<dyn Store>, InstanceId) {
    let module = compile(wat).unwrap();
    let mut store = store();
    let id = store.instantiate(&*module, imports).unwrap();
    (store, id)
}

pub fn call1(store: &mut dyn Store, id: InstanceId, func: &str, args: &[Val]) -> Val {
    let results = store.call(id, func, args).unwrap();
    assert_eq!(results.len(), 1, "{func} returns one value");
    results[0]
}
