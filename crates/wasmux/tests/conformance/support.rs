//! The per-engine test generator and shortcuts shared by the cases.
#![allow(dead_code)]

use std::sync::Arc;
use wasmux::adapter::{
    CompiledModule, Engine, ExternHandle, Import, ImportValue, InstanceId, Store, StoreConfig,
};
use wasmux::{Error, HostFunc, Val};

/// Every variant of a build with all features, in `wasmux::engine_names()` order.
pub const VARIANTS: &[&str] = &[
    "wasmtime",
    "wasmtime:winch",
    "wasmtime:pulley",
    "wasmer",
    #[cfg(feature = "llvm")]
    "wasmer:llvm",
    "wasm3",
    "wasmi",
];

/// `conformance! { fn name(engine) { ... } }` defines module `name` with one `#[test]` per
/// engine variant, each running the body with that variant.
macro_rules! conformance {
    ($(#[doc = $doc:expr])* fn $name:ident($engine:ident) $body:block) => {
        $(#[doc = $doc])*
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            fn case($engine: &dyn wasmux::adapter::Engine) $body

            #[test]
            fn wasmtime() {
                crate::support::run("wasmtime", case)
            }
            #[test]
            fn wasmtime_winch() {
                crate::support::run("wasmtime:winch", case)
            }
            #[test]
            fn wasmtime_pulley() {
                crate::support::run("wasmtime:pulley", case)
            }
            #[test]
            fn wasmer() {
                crate::support::run("wasmer", case)
            }
            #[cfg(feature = "llvm")]
            #[test]
            fn wasmer_llvm() {
                crate::support::run("wasmer:llvm", case)
            }
            #[test]
            fn wasm3() {
                crate::support::run("wasm3", case)
            }
            #[test]
            fn wasmi() {
                crate::support::run("wasmi", case)
            }
        }
    };
}

pub fn run(name: &str, case: fn(&dyn Engine)) {
    let engine = wasmux::engine(name).unwrap_or_else(|e| panic!("{e}"));
    case(engine.as_ref());
}

pub fn name(engine: &dyn Engine) -> &str {
    &engine.info().name
}

/// `externref` values: reference types in full.
pub fn has_externref(engine: &dyn Engine) -> bool {
    engine.info().caps.reference_types
}

/// `funcref` values, `ref.func` and table instructions on `funcref` tables. Winch lacks only
/// the GC types of reference types (so `externref`, ENGINES.md), which its caps report as no
/// reference types at all.
pub fn has_funcref(engine: &dyn Engine) -> bool {
    engine.info().caps.reference_types || name(engine) == "wasmtime:winch"
}

pub fn wasm(wat: &str) -> Vec<u8> {
    wat::parse_str(wat).unwrap_or_else(|e| panic!("test module does not parse: {e}"))
}

pub fn compile(engine: &dyn Engine, wat: &str) -> Arc<dyn CompiledModule> {
    engine
        .compile(&wasm(wat))
        .unwrap_or_else(|e| panic!("{}: {e}", name(engine)))
}

/// Asserts that `result` is the `Unsupported` error naming `engine`.
pub fn assert_unsupported<T>(engine: &dyn Engine, result: Result<T, Error>) -> Error {
    match result {
        Err(err @ Error::Unsupported { .. }) => {
            assert!(err.to_string().contains(name(engine)), "{err}");
            err
        }
        Err(other) => panic!("{}: expected Unsupported, got {other}", name(engine)),
        Ok(_) => panic!("{}: expected Unsupported, it succeeded", name(engine)),
    }
}

/// Compiles `wat` where `supported`; elsewhere checks that the engine refuses it as
/// `Unsupported` and returns `None`.
pub fn compile_if(
    engine: &dyn Engine,
    supported: bool,
    wat: &str,
) -> Option<Arc<dyn CompiledModule>> {
    if supported {
        Some(compile(engine, wat))
    } else {
        assert_unsupported(engine, engine.compile(&wasm(wat)));
        None
    }
}

pub fn store(engine: &dyn Engine) -> Box<dyn Store> {
    store_with(engine, &StoreConfig::default())
}

pub fn store_with(engine: &dyn Engine, config: &StoreConfig) -> Box<dyn Store> {
    engine
        .new_store(config)
        .unwrap_or_else(|e| panic!("{}: {e}", name(engine)))
}

pub fn try_instantiate(
    engine: &dyn Engine,
    store: &mut dyn Store,
    wat: &str,
    imports: &[Import],
) -> Result<InstanceId, Error> {
    let module = compile(engine, wat);
    store.instantiate(module.as_ref(), imports)
}

pub fn instantiate(
    engine: &dyn Engine,
    store: &mut dyn Store,
    wat: &str,
    imports: &[Import],
) -> InstanceId {
    try_instantiate(engine, store, wat, imports).unwrap_or_else(|e| panic!("{}: {e}", name(engine)))
}

/// A new store holding one instance of `wat`.
pub fn instance(
    engine: &dyn Engine,
    wat: &str,
    imports: &[Import],
) -> (Box<dyn Store>, InstanceId) {
    let mut store = store(engine);
    let id = instantiate(engine, store.as_mut(), wat, imports);
    (store, id)
}

/// [`instance`] where `supported`; elsewhere checks the refusal, as [`compile_if`].
pub fn instance_if(
    engine: &dyn Engine,
    supported: bool,
    wat: &str,
    imports: &[Import],
) -> Option<(Box<dyn Store>, InstanceId)> {
    let module = compile_if(engine, supported, wat)?;
    let mut store = store(engine);
    let id = store
        .instantiate(module.as_ref(), imports)
        .unwrap_or_else(|e| panic!("{}: {e}", name(engine)));
    Some((store, id))
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

pub fn func(module: &str, name: &str, f: HostFunc) -> Import {
    Import {
        module: module.into(),
        name: name.into(),
        value: ImportValue::Func(f),
    }
}

pub fn ext(module: &str, name: &str, handle: ExternHandle) -> Import {
    Import {
        module: module.into(),
        name: name.into(),
        value: ImportValue::Extern(handle),
    }
}
