//! Where each of wasmi's imports is in the module's own import order.
//!
//! wasmi lists a module's imports, and takes them at instantiation, grouped by kind: functions,
//! then tables, memories and globals, each group in declaration order. Stores are given imports
//! in declaration order (`Store::instantiate`), so the adapter maps one order onto the other.

use crate::error::ENGINE;
use wasmparser::{Parser, Payload, TypeRef};
use wasmux_core::prelude::*;
use wasmux_core::Error;

/// For wasmi's i-th import, its index among the module's imports in declaration order.
pub fn wasmi_order(wasm: &[u8]) -> Result<Box<[usize]>, Error> {
    let mut groups = Vec::new();
    for payload in Parser::new(0).parse_all(wasm) {
        match payload.map_err(|e| Error::engine(ENGINE, e))? {
            Payload::ImportSection(reader) => {
                for import in reader.into_imports() {
                    groups.push(group(import.map_err(|e| Error::engine(ENGINE, e))?.ty));
                }
            }
            // Imports precede code and data, so stop before parsing bodies.
            Payload::CodeSectionStart { .. } | Payload::DataSection(_) => break,
            _ => {}
        }
    }
    let mut order: Vec<usize> = (0..groups.len()).collect();
    // A stable sort keeps declaration order within each group, as wasmi does.
    order.sort_by_key(|&i| groups[i]);
    Ok(order.into())
}

/// wasmi's grouping. wasmi refuses modules that import tags, so their place does not matter.
fn group(ty: TypeRef) -> u8 {
    match ty {
        TypeRef::Func(_) | TypeRef::FuncExact(_) => 0,
        TypeRef::Table(_) => 1,
        TypeRef::Memory(_) => 2,
        TypeRef::Global(_) => 3,
        TypeRef::Tag(_) => 4,
    }
}
