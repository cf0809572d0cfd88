//! Compiled code to bytes and back, and compiling for other machines.

use crate::engine::{Source, WasmtimeEngine, WasmtimeModule};
use crate::error::compile_error;
use crate::variant::{Variant, VERSION};
use std::sync::Arc;
use wasmux_core::{stable_digest, Artifact, ArtifactKey, CompiledModule, Error};

/// `None` when the build could not tell wasmtime's version: a key without it could match
/// code of another wasmtime.
pub(crate) fn native_key(engine: &WasmtimeEngine) -> Option<ArtifactKey> {
    if VERSION == "unknown" {
        return None;
    }
    let native = engine.engine_for(None).ok()?;
    Some(key(engine.variant, engine.variant.native_target(), &native))
}

fn key(variant: Variant, target: &str, engine: &wasmtime::Engine) -> ArtifactKey {
    ArtifactKey {
        engine: variant.name().to_string(),
        version: VERSION.to_string(),
        target: target.to_string(),
        // Covers what wasmtime checks when it loads code: compiler flags, ISA features,
        // tunables, enabled proposals, and its own version.
        config: stable_digest(&engine.precompile_compatibility_hash()),
    }
}

pub(crate) fn serialize(
    engine: &WasmtimeEngine,
    module: &dyn CompiledModule,
) -> Result<Vec<u8>, Error> {
    let name = engine.variant.name();
    let module = module
        .as_any()
        .downcast_ref::<WasmtimeModule>()
        .filter(|m| m.variant == engine.variant)
        .ok_or_else(|| Error::engine(name, "the module was compiled by another engine"))?;
    module
        .first()
        .serialize()
        .map_err(|e| Error::engine(name, format!("serializing a compiled module: {e:#}")))
}

pub(crate) fn deserialize(
    engine: &WasmtimeEngine,
    artifact: &[u8],
) -> Result<Arc<dyn CompiledModule>, Error> {
    let name = engine.variant.name();
    let native = engine.engine_for(None)?;
    // SAFETY: `Engine::deserialize` requires of its caller that the bytes be unmodified output
    // of an engine with this artifact key (checksum and key checked). wasmtime itself refuses
    // artifacts of another version, target or configuration with an error.
    let module = unsafe { wasmtime::Module::deserialize(&native, artifact) }
        .map_err(|e| Error::engine(name, format!("loading a compiled artifact: {e:#}")))?;
    Ok(Arc::new(WasmtimeModule::new(
        engine.variant,
        Source::Artifact(artifact.into()),
        native,
        module,
    )))
}

pub(crate) fn precompile_for(
    engine: &WasmtimeEngine,
    wasm: &[u8],
    target: &str,
) -> Result<Artifact, Error> {
    let variant = engine.variant;
    let name = variant.name();
    let unsupported = |what: String| Error::Unsupported {
        engine: name.to_string(),
        what,
    };
    if VERSION == "unknown" {
        return Err(unsupported(
            "compiled artifacts in this build (it does not know its wasmtime version)".into(),
        ));
    }
    // Pulley bytecode is the Pulley variant's only output, and native code never is.
    if (variant == Variant::Pulley) != target.starts_with("pulley") {
        return Err(unsupported(format!(
            "compiling for {target} (its code is for {})",
            if variant == Variant::Pulley {
                "pulley32, pulley64, pulley32be or pulley64be"
            } else {
                "native targets; wasmtime:pulley compiles for Pulley"
            }
        )));
    }
    let target_engine = if target == variant.native_target() {
        engine.engine_for(None)?
    } else {
        let mut config = variant
            .config(None)
            .map_err(|e| Error::engine(name, format!("{e:#}")))?;
        config
            .target(target)
            .map_err(|e| unsupported(format!("the target `{target}`: {e:#}")))?;
        // A backend left out of this build fails here ("compiler for ... not available").
        wasmtime::Engine::new(&config)
            .map_err(|e| unsupported(format!("compiling for {target}: {e:#}")))?
    };
    let bytes = target_engine
        .precompile_module(wasm)
        .map_err(|e| compile_error(name, &e))?;
    Ok(Artifact {
        key: key(variant, target, &target_engine),
        bytes,
    })
}
