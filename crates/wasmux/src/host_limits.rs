//! Sizes a valid module may declare but no host should allocate because a guest asked.
//!
//! A table's initial size is up to 2^32-1 entries by the spec. Engines disagree on what they
//! do with that: wasmtime fails to allocate 32 GiB, wasmer refuses more than 2^27 entries, and
//! wasmi allocates and fills them (48 seconds and tens of GiB of address space for an 18-byte
//! module). So wasmux refuses, on every engine alike, a table that starts larger than
//! [`MAX_TABLE_ELEMENTS`].

use wasmparser::{Parser, Payload};
use wasmux_core::Error;

/// Ten million entries: 80 MB of references, far beyond what compilers emit.
pub const MAX_TABLE_ELEMENTS: u64 = 10_000_000;

/// Checks the tables `wasm` (already validated) defines.
pub(crate) fn check(name: &str, wasm: &[u8]) -> Result<(), Error> {
    let mut index = 0;
    for payload in Parser::new(0).parse_all(wasm) {
        match payload {
            Ok(Payload::ImportSection(imports)) => {
                index += imports
                    .into_imports()
                    .filter(|i| matches!(i, Ok(i) if matches!(i.ty, wasmparser::TypeRef::Table(_))))
                    .count();
            }
            Ok(Payload::TableSection(tables)) => {
                for table in tables.into_iter_with_offsets() {
                    let Ok((offset, table)) = table else { continue };
                    if table.ty.initial > MAX_TABLE_ELEMENTS {
                        return Err(Error::Limit(format!(
                            "{name}: table {index} (at byte offset {offset:#x}) starts with {} \
                             elements, more than the {MAX_TABLE_ELEMENTS} a host allocates",
                            table.ty.initial
                        )));
                    }
                    index += 1;
                }
            }
            // Nothing after the tables matters here.
            Ok(Payload::CodeSectionStart { .. }) | Err(_) => break,
            _ => {}
        }
    }
    Ok(())
}
