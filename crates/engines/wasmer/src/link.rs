//! Instantiation details: which memory an instance's host functions see, and why linking
//! failed.

use crate::trap::runtime_error;
use wasmer::{ExportIndex, Extern, Instance, InstantiationError, LinkError, Memory};
use wasmux_core::Error;

/// Imported memories come first in the memory index space, so the first imported one is
/// memory 0.
pub fn imported_memory(imported: &[Extern]) -> Option<Memory> {
    imported.iter().find_map(|e| match e {
        Extern::Memory(m) => Some(m.clone()),
        _ => None,
    })
}

/// The memory host functions see while the start function runs, before the instance's exports
/// exist: an imported memory the module exports as `memory` (`Caller::memory`'s rule).
pub fn caller_memory_imported(module: &wasmer::Module, imported: &[Extern]) -> Option<Memory> {
    let exported = module.info().exports.iter().any(|(name, index)| {
        name == wasmux_core::CALLER_MEMORY
            && matches!(index, ExportIndex::Memory(i) if i.as_u32() == 0)
    });
    exported.then(|| imported_memory(imported)).flatten()
}

/// The memory `memory_size` reports, by the rule of every engine: the export named `memory`,
/// else the first exported memory in the module's export order; none when the module exports
/// none, even if it imports one, since the other engines cannot reach it. (Taking exported
/// memory 0 first gave a multi-memory module's other memory than wasmtime and wasmi gave.)
pub fn primary_memory(module: &wasmer::Module, instance: &Instance) -> Option<Memory> {
    let exported: Vec<&str> = module
        .info()
        .exports
        .iter()
        .filter(|(_, index)| matches!(index, ExportIndex::Memory(_)))
        .map(|(name, _)| name.as_str())
        .collect();
    let name = exported
        .iter()
        .find(|name| **name == "memory")
        .or(exported.first());
    name.and_then(|name| instance.exports.get_memory(name).ok().cloned())
}

/// A start-function trap is reported as the trap itself, as on every other engine, so callers
/// can tell its kind.
pub fn instantiation_error(engine: &str, e: InstantiationError) -> Error {
    match e {
        InstantiationError::Link(LinkError::Import(module, name, err)) => {
            Error::IncompatibleImport {
                module,
                name,
                message: err.to_string(),
            }
        }
        // Out-of-bounds segments, as the spec's "instantiation failure".
        InstantiationError::Link(other) => Error::Instantiation(other.to_string()),
        // wasmer reports a segment out of bounds as a trap of the start phase. A VM trap with
        // no wasm frame on its trace came from no function: it is the spec's instantiation
        // failure, as the other engines report it. (A host function's error has no trap code,
        // and may have no frame either.)
        InstantiationError::Start(e) if e.trace().is_empty() && e.clone().to_trap().is_some() => {
            Error::Instantiation(runtime_error(engine, e).to_string())
        }
        InstantiationError::Start(e) => match runtime_error(engine, e) {
            e @ (Error::Exit(_) | Error::Trap { .. }) => e,
            other => Error::Instantiation(format!("start function failed: {other}")),
        },
        other => Error::engine(engine, other),
    }
}
