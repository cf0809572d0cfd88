//! The engine registry: every engine variant linked into this build, by name.

use std::sync::{Arc, OnceLock};
use wasmux_core::{Engine, Error};

fn registry() -> &'static [Arc<dyn Engine>] {
    static ENGINES: OnceLock<Vec<Arc<dyn Engine>>> = OnceLock::new();
    ENGINES.get_or_init(|| {
        let mut all = Vec::new();
        all.extend(wasmux_engine_wasmtime::engines());
        #[cfg(not(windows))]
        all.extend(wasmux_engine_wasmer::engines());
        #[cfg(feature = "wasm3")]
        all.extend(wasmux_engine_wasm3::engines());
        all.extend(wasmux_engine_wasmi::engines());
        all
    })
}

/// Every engine variant in this build, in a stable order.
pub fn all_engines() -> Vec<Arc<dyn Engine>> {
    registry().to_vec()
}

pub fn engine_names() -> Vec<String> {
    registry().iter().map(|e| e.info().name.clone()).collect()
}

/// The engine variant called `name` (`wasmtime`, `wasmtime:winch`, `wasmer:llvm`, `wasm3`...).
pub fn engine(name: &str) -> Result<Arc<dyn Engine>, Error> {
    registry()
        .iter()
        .find(|e| e.info().name == name)
        .cloned()
        .ok_or_else(|| Error::UnknownEngine {
            name: name.to_string(),
            known: engine_names(),
        })
}
