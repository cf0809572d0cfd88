//! Walking a module's sections as they are encoded, and validating a module with every feature
//! wasmparser knows (the passes must not refuse what an engine accepts).

use super::super::error::PassError;
use std::ops::Range;
use wasmparser::{BinaryReaderError, Validator, WasmFeatures};
use wasmux_instrument::sections::read_leb_u32;

/// Validates `wasm` as a core module with every proposal enabled.
pub fn validate(wasm: &[u8]) -> Result<(), BinaryReaderError> {
    Validator::new_with_features(WasmFeatures::all())
        .validate_all(wasm)
        .map(|_| ())
}

/// One section: its name when it is a custom section, and its bytes (header included).
pub(crate) struct Section<'a> {
    pub name: Option<&'a str>,
    pub range: Range<usize>,
}

/// The sections of a module that has been validated; `None` for bytes that are not a
/// well-formed sequence of sections.
pub(crate) fn sections(wasm: &[u8]) -> Option<Vec<Section<'_>>> {
    let mut out = Vec::new();
    let mut pos = 8;
    if wasm.len() < pos {
        return None;
    }
    while pos < wasm.len() {
        let start = pos;
        let id = *wasm.get(pos)?;
        pos += 1;
        let size = read_leb_u32(wasm, &mut pos)? as usize;
        let end = pos.checked_add(size)?;
        let body = wasm.get(pos..end)?;
        let name = if id == 0 {
            let mut at = 0;
            let len = read_leb_u32(body, &mut at)? as usize;
            let bytes = body.get(at..at.checked_add(len)?)?;
            Some(std::str::from_utf8(bytes).ok()?)
        } else {
            None
        };
        out.push(Section {
            name,
            range: start..end,
        });
        pos = end;
    }
    Some(out)
}

/// The sections of `wasm`, which must be a valid core module.
pub(crate) fn checked_sections(wasm: &[u8]) -> Result<Vec<Section<'_>>, PassError> {
    validate(wasm)?;
    if wasm.get(4..8) != Some(&[1, 0, 0, 0]) {
        return Err(PassError::Component);
    }
    sections(wasm).ok_or_else(|| PassError::Encode("malformed section headers".into()))
}

/// The names of the module's custom sections, in order (empty if it is not well-formed).
pub fn custom_section_names(wasm: &[u8]) -> Vec<String> {
    sections(wasm)
        .unwrap_or_default()
        .iter()
        .filter_map(|s| s.name.map(str::to_string))
        .collect()
}

/// Whether the module carries DWARF (`.debug_*` custom sections), which describes code by its
/// byte offsets, so that passes moving code must not run while it is there.
pub fn has_dwarf(wasm: &[u8]) -> bool {
    first_dwarf_section(wasm).is_some()
}

pub(crate) fn first_dwarf_section(wasm: &[u8]) -> Option<String> {
    custom_section_names(wasm)
        .into_iter()
        .find(|n| n.starts_with(".debug_"))
}
