//! Helpers shared by the adapter's integration tests.
#![allow(dead_code)]

use std::sync::Arc;
use wasmux_core::{Engine, Error, Import, InstanceId, Store, StoreConfig, Val};

/// Runs `f` once per variant, naming the variant when it fails.
pub fn each_engine(f: impl Fn(&dyn Engine)) {
    let engines = wasmux_engine_wasmtime::engines();
    assert_eq!(engines.len(), 3);
    for engine in &engines {
        eprintln!("-- {}", engine.info().name);
        f(engine.as_ref());
    }
}

pub fn store(engine: &dyn Engine) -> Box<dyn Store> {
    engine.new_store(&StoreConfig::default()).unwrap()
}

pub fn try_instantiate(
    engine: &dyn Engine,
    store: &mut dyn Store,
    wat: &str,
    imports: &[Import],
) -> Result<InstanceId, Error> {
    let wasm = wat::parse_str(wat).unwrap();
    let module = engine.compile(&wasm)?;
    store.instantiate(module.as_ref(), imports)
}

pub fn instantiate(
    engine: &dyn Engine,
    store: &mut dyn Store,
    wat: &str,
    imports: &[Import],
) -> InstanceId {
    try_instantiate(engine, store, wat, imports)
        .unwrap_or_else(|e| panic!("{}: {e}", engine.info().name))
}

pub fn call(store: &mut dyn Store, inst: InstanceId, func: &str, args: &[Val]) -> Vec<Val> {
    store
        .call(inst, func, args)
        .unwrap_or_else(|e| panic!("{func}: {e}"))
}

pub fn engine_named(name: &str) -> Arc<dyn Engine> {
    wasmux_engine_wasmtime::engines()
        .into_iter()
        .find(|e| e.info().name == name)
        .unwrap()
}

/// Instantiates `wat`, or returns `None` on the variants named in `lacking`, which are expected
/// to refuse it as unsupported.
pub fn instantiate_unless(
    engine: &dyn Engine,
    store: &mut dyn Store,
    wat: &str,
    imports: &[Import],
    lacking: &[&str],
) -> Option<InstanceId> {
    match try_instantiate(engine, store, wat, imports) {
        Err(Error::Unsupported { .. }) if lacking.contains(&engine.info().name.as_str()) => None,
        other => Some(other.unwrap_or_else(|e| panic!("{}: {e}", engine.info().name))),
    }
}

/// Winch in wasmtime 48 has no GC types, which include `externref`.
pub const NO_EXTERNREF: &[&str] = &["wasmtime:winch"];
