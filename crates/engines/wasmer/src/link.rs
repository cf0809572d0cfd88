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

/// The memory `memory_size` reports: memory 0 if it can be reached.
pub fn primary_memory(
    module: &wasmer::Module,
    instance: &Instance,
    imported: &[Extern],
) -> Option<Memory> {
    let exported_zero = module
        .info()
        .exports
        .iter()
        .find_map(|(name, index)| match index {
            ExportIndex::Memory(i) if i.as_u32() == 0 => instance.exports.get_memory(name).ok(),
            _ => None,
        });
    let first_exported = || instance.exports.iter().memories().next().map(|(_, m)| m);
    imported_memory(imported)
        .or_else(|| exported_zero.cloned())
        .or_else(|| first_exported().cloned())
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
        InstantiationError::Start(e) => match runtime_error(engine, e) {
            e @ (Error::Exit(_) | Error::Trap { .. }) => e,
            other => Error::Instantiation(format!("start function failed: {other}")),
        },
        other => Error::engine(engine, other),
    }
}
