//! A module's exports in declaration order.
//!
//! wasmi lists exports sorted by name, but wasmux shows them as the module declares them, and
//! "the first exported memory" means first in the module.

use crate::convert::from_func_type;
use alloc::collections::BTreeMap;
use wasmi::{ExternType, Module};
use wasmparser::{Parser, Payload};
use wasmux_core::prelude::*;
use wasmux_core::{ExportKind, ExportType};

/// The exports of `module`, ordered as in its binary `wasm`.
pub fn ordered_exports(module: &Module, wasm: &[u8]) -> Vec<ExportType> {
    let order: BTreeMap<String, usize> = declaration_order(wasm)
        .into_iter()
        .enumerate()
        .map(|(i, name)| (name, i))
        .collect();
    let mut exports: Vec<ExportType> = module
        .exports()
        .map(|e| export_type(e.name(), e.ty()))
        .collect();
    exports.sort_by_key(|e| order.get(&e.name).copied());
    exports
}

/// The first memory in `exports`, which are in declaration order.
pub fn first_memory(exports: &[ExportType]) -> Option<&str> {
    exports
        .iter()
        .find(|e| e.kind == ExportKind::Memory)
        .map(|e| e.name.as_str())
}

fn export_type(name: &str, ty: &ExternType) -> ExportType {
    let (kind, func) = match ty {
        ExternType::Func(ft) => (ExportKind::Func, Some(from_func_type(ft))),
        ExternType::Table(_) => (ExportKind::Table, None),
        ExternType::Memory(_) => (ExportKind::Memory, None),
        ExternType::Global(_) => (ExportKind::Global, None),
    };
    ExportType {
        name: name.to_string(),
        kind,
        func,
    }
}

/// Export names as the export section lists them. The module was already accepted by wasmi,
/// so a parse failure here cannot happen in practice; it would only leave wasmi's order.
fn declaration_order(wasm: &[u8]) -> Vec<String> {
    for payload in Parser::new(0).parse_all(wasm) {
        match payload {
            Ok(Payload::ExportSection(reader)) => {
                return reader
                    .into_iter()
                    .filter_map(|e| e.ok().map(|e| e.name.to_string()))
                    .collect();
            }
            // The export section precedes code and data, so stop before parsing bodies.
            Ok(Payload::CodeSectionStart { .. } | Payload::DataSection(_)) | Err(_) => break,
            Ok(_) => {}
        }
    }
    Vec::new()
}
