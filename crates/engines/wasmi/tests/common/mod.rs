//! Helpers shared by the adapter tests.

#![allow(dead_code)]

use std::sync::Arc;
use wasmux_core::{
    CompiledModule, Engine, Error, Import, ImportValue, InstanceId, Store, StoreConfig, Val,
};

pub fn engine() -> Arc<dyn Engine> {
    let mut engines = wasmux_engine_wasmi::engines();
    assert_eq!(engines.len(), 1);
    engines.remove(0)
}

pub fn compile(engine: &dyn Engine, wat: &str) -> Arc<dyn CompiledModule> {
    let wasm = wat::parse_str(wat).expect("test module parses");
    engine.compile(&wasm).expect("test module compiles")
}

pub fn store(engine: &dyn Engine) -> Box<dyn Store> {
    engine.new_store(&StoreConfig::default()).unwrap()
}

/// A fresh store with one instance of `wat`, which imports nothing.
pub fn instance(wat: &str) -> (Box<dyn Store>, InstanceId) {
    let engine = engine();
    let module = compile(&*engine, wat);
    let mut store = store(&*engine);
    let id = store.instantiate(&*module, &[]).unwrap();
    (store, id)
}

pub fn import(module: &str, name: &str, value: ImportValue) -> Import {
    Import {
        module: module.into(),
        name: name.into(),
        value,
    }
}

pub fn call(store: &mut dyn Store, id: InstanceId, func: &str, args: &[Val]) -> Vec<Val> {
    store
        .call(id, func, args)
        .unwrap_or_else(|e| panic!("{func}: {e}"))
}

pub fn call_err(store: &mut dyn Store, id: InstanceId, func: &str, args: &[Val]) -> Error {
    match store.call(id, func, args) {
        Ok(v) => panic!("{func} returned {v:?}, expected an error"),
        Err(e) => e,
    }
}
