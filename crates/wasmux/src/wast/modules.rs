//! Script modules: from text or binary to bytes.

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
