//! The compile cache and AOT files: round trips through every serializing engine, and every
//! way bytes on disk can be unusable, each found before an engine loads them.
//!
//! Some tests re-run this binary as a child process (`child::run`) to act as a second writer
//! or to write under a resource limit.

#[path = "cache/child.rs"]
mod child;
#[path = "cache/damaged.rs"]
mod damaged;
#[path = "cache/round_trip.rs"]
mod round_trip;
#[path = "cache/unwritable.rs"]
mod unwritable;

use std::sync::Arc;
use wasmux::adapter::{Engine, StoreConfig};
use wasmux::{CacheKey, CompileCache, Entry, Val};

const FIB: &str = include_str!("../../../examples/fib.wat");

pub fn fib_wasm() -> Vec<u8> {
    wat::parse_str(FIB).expect("fib.wat parses")
}

/// Every engine variant of this build that writes compiled code to bytes.
pub fn serializing_engines() -> Vec<Arc<dyn Engine>> {
    let engines: Vec<_> = wasmux::all_engines()
        .into_iter()
        .filter(|e| e.artifact_key().is_some())
        .collect();
    let names: Vec<_> = engines.iter().map(|e| e.info().name.clone()).collect();
    for expected in ["wasmtime", "wasmtime:winch", "wasmtime:pulley", "wasmer"] {
        assert!(
            names.iter().any(|n| n == expected),
            "{expected} missing in {names:?}"
        );
    }
    engines
}

pub fn engine(name: &str) -> Arc<dyn Engine> {
    wasmux::engine(name).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// The key and entry of fib compiled by `engine`, as the facade would store them.
pub fn fib_entry(engine: &dyn Engine) -> (CacheKey, Entry) {
    let wasm = fib_wasm();
    let compiled = engine.compile(&wasm).unwrap();
    let artifact = engine.serialize(compiled.as_ref()).unwrap().unwrap();
    let key = CacheKey::new(
        &wasm,
        "Options { fuel: false }",
        engine.artifact_key().unwrap(),
    );
    (
        key,
        Entry {
            metadata: b"facade metadata".to_vec(),
            artifact,
        },
    )
}

/// fib(n) run on `module` in a new store of `engine`, whose stack limit is `stack`.
pub fn call_fib(
    engine: &dyn Engine,
    module: &dyn wasmux::adapter::CompiledModule,
    stack: Option<usize>,
    n: i32,
) -> Vec<Val> {
    let mut store = engine
        .new_store(&StoreConfig {
            max_stack_bytes: stack,
        })
        .unwrap();
    let instance = store.instantiate(module, &[]).unwrap();
    store.call(instance, "fib", &[Val::I32(n)]).unwrap()
}

pub fn temp_cache() -> (tempfile::TempDir, CompileCache) {
    let dir = tempfile::tempdir().unwrap();
    let cache = CompileCache::open(dir.path().join("cache"));
    (dir, cache)
}

/// Errors travel in every `Result` of the cache; they stay a few words.
#[test]
fn cache_errors_stay_small() {
    assert!(std::mem::size_of::<wasmux::CacheError>() <= 64);
}
