//! Script modules: from text or binary to bytes, and the names of what they import.

use wast::{QuoteWat, Wat};

/// The binary a script module stands for, or why the text does not make one (which is what an
/// `assert_malformed` over quoted text expects).
pub(crate) fn encode(module: &mut QuoteWat<'_>) -> Result<Vec<u8>, String> {
    if matches!(
        module,
        QuoteWat::Wat(Wat::Component(_)) | QuoteWat::QuoteComponent(..)
    ) {
        return Err("components are not supported".into());
    }
    module.encode().map_err(|e| e.to_string())
}

/// The binary of a module written inline in a directive.
pub(crate) fn encode_wat(module: &mut Wat<'_>) -> Result<Vec<u8>, String> {
    if matches!(module, Wat::Component(_)) {
        return Err("components are not supported".into());
    }
    module.encode().map_err(|e| e.to_string())
}

/// `(module, name)` of every import of a validated module, in order.
pub(crate) fn import_names(wasm: &[u8]) -> Result<Vec<(String, String)>, String> {
    let mut names = Vec::new();
    for payload in wasmparser::Parser::new(0).parse_all(wasm) {
        match payload.map_err(|e| e.to_string())? {
            wasmparser::Payload::ImportSection(reader) => {
                for import in reader.into_imports() {
                    let import = import.map_err(|e| e.to_string())?;
                    names.push((import.module.to_string(), import.name.to_string()));
                }
            }
            // Imports come before code; nothing after this can add any.
            wasmparser::Payload::CodeSectionStart { .. } => break,
            _ => {}
        }
    }
    Ok(names)
}
