//! Bounds checks of active data and element segments, made before wasm3 loads a module.
//!
//! wasm3 0.4 checks neither soundly. A data segment's offset is read as a signed 32-bit number
//! and widened to `size_t`, so an offset of 0xfffffff0 becomes -16, `offset + size` wraps
//! past zero, the check passes, and the bytes are copied in front of the memory: a heap
//! overflow of the host driven by the guest. An element segment past the table's end makes
//! wasm3 grow the table to fit, where the spec makes instantiation fail (and an offset near
//! 2^31 would allocate 16 GiB). So every active segment is checked here, in 64 bits, and one
//! out of bounds fails instantiation the way it does on the other engines.

use crate::module::{unsupported, ModuleInfo};
use wasmparser::{ConstExpr, Operator};
use wasmux_core::Error;

/// Where an active segment starts: a constant, or the value of an (imported) global.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Offset {
    Const(u32),
    Global(u32),
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct Segment {
    pub offset: Offset,
    /// Bytes for a data segment, entries for an element segment.
    pub len: u64,
}

/// Reads an offset expression of WebAssembly 1.0: `i32.const` or `global.get`.
pub(crate) fn offset(expr: &ConstExpr<'_>) -> Result<Offset, Error> {
    let mut ops = expr.get_operators_reader();
    let op = ops
        .read()
        .map_err(|e| unsupported(e.message().to_string()))?;
    match op {
        Operator::I32Const { value } => Ok(Offset::Const(value as u32)),
        Operator::GlobalGet { global_index } => Ok(Offset::Global(global_index)),
        other => Err(unsupported(format!(
            "a segment offset computed by {other:?}"
        ))),
    }
}

/// Checks every active segment against the initial memory and table; `imported_globals` are the
/// values of the module's imported globals, in order.
pub(crate) fn check(info: &ModuleInfo, imported_globals: &[u64]) -> Result<(), Error> {
    let resolve = |offset: Offset| -> Option<u64> {
        match offset {
            Offset::Const(value) => Some(u64::from(value)),
            // An i32 global's bits, as wasm3 reads them: the low 32.
            Offset::Global(index) => imported_globals
                .get(index as usize)
                .map(|bits| u64::from(*bits as u32)),
        }
    };
    let table = info.table_min.unwrap_or(0);
    for (i, segment) in info.elems.iter().enumerate() {
        let start = resolve(segment.offset).ok_or_else(|| unknown_offset("element", i))?;
        if start + segment.len > table {
            return Err(Error::Instantiation(format!(
                "out of bounds table access: element segment {i} covers entries {start}..{} \
                 of a table of {table}",
                start + segment.len
            )));
        }
    }
    let memory = info.memory.map_or(0, |m| m.minimum * 65536);
    for (i, segment) in info.data.iter().enumerate() {
        let start = resolve(segment.offset).ok_or_else(|| unknown_offset("data", i))?;
        if start + segment.len > memory {
            return Err(Error::Instantiation(format!(
                "out of bounds memory access: data segment {i} covers bytes {start:#x}..{:#x} \
                 of a memory of {memory:#x}",
                start + segment.len
            )));
        }
    }
    Ok(())
}

/// WebAssembly 1.0 lets offsets read imported globals only, so this is a module the
/// validator should have refused.
fn unknown_offset(kind: &str, index: usize) -> Error {
    unsupported(format!(
        "{kind} segment {index}: an offset read from a global that is not imported"
    ))
}
