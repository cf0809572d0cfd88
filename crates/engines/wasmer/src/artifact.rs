//! Compiled code to bytes and back.

use crate::module::WasmerModule;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;
use wasmux_core::{stable_digest, ArtifactKey, CompiledModule, Error};

/// wasmer's version as Cargo resolved it for this build (see `build.rs`).
pub(crate) const VERSION: &str = env!("WASMUX_WASMER_VERSION");

/// `None` when the build could not tell wasmer's version: a key without it could match code
/// of another wasmer.
pub(crate) fn key(name: &str, engine: &wasmer::Engine, features: &str) -> Option<ArtifactKey> {
    if VERSION == "unknown" {
        return None;
    }
    let sys = engine.as_sys();
    let target = sys.target();
    // The compiler and its options (`deterministic_id`), the proposals it compiles for, and
    // the CPU features its code may use.
    let settings = (
        sys.deterministic_id(),
        features,
        format!("{:?}", target.cpu_features()),
    );
    Some(ArtifactKey {
        engine: name.to_string(),
        version: VERSION.to_string(),
        target: target.triple().to_string(),
        config: stable_digest(&settings),
    })
}

pub(crate) fn serialize(name: &str, module: &dyn CompiledModule) -> Result<Vec<u8>, Error> {
    let module = module
        .as_any()
        .downcast_ref::<WasmerModule>()
        .filter(|m| m.engine_name == name)
        .ok_or_else(|| Error::engine(name, "the module was compiled by another engine"))?;
    let bytes = module
        .module
        .serialize()
        .map_err(|e| Error::engine(name, format!("serializing a compiled module: {e}")))?;
    Ok(bytes.to_vec())
}

pub(crate) fn deserialize(
    name: &str,
    engine: &wasmer::Engine,
    artifact: &[u8],
) -> Result<Arc<dyn CompiledModule>, Error> {
    // SAFETY: `Engine::deserialize` requires of its caller that the bytes be unmodified output
    // of an engine with this artifact key (checksum and key checked). The checked variant of
    // wasmer's loader is used all the same: it validates the archive's layout, a second line
    // of defence that costs little next to mapping the code.
    let loaded = catch_unwind(AssertUnwindSafe(|| unsafe {
        wasmer::Module::deserialize(engine, artifact.to_vec())
    }))
    .map_err(|_| Error::engine(name, "wasmer panicked loading a compiled artifact"))?;
    let module =
        loaded.map_err(|e| Error::engine(name, format!("loading a compiled artifact: {e}")))?;
    Ok(Arc::new(WasmerModule {
        engine_name: name.to_string(),
        module,
    }))
}
