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

/// The memory host functions and `memory_size` see: memory 0 if it can be reached.
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

/// A start-function trap is an instantiation failure (as `Error::Instantiation` documents),
/// with the trap kind in its message.
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
            // A host function in the start function asked to exit: not a failure.
            Error::Exit(code) => Error::Exit(code),
            Error::Trap { trap, detail } => Error::Instantiation(match detail {
                Some(d) => format!("start function trapped: {trap} ({d})"),
                None => format!("start function trapped: {trap}"),
            }),
            other => Error::Instantiation(format!("start function failed: {other}")),
        },
        other => Error::engine(engine, other),
    }
}
