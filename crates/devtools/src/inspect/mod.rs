//! What a module holds and uses: sections and their sizes, imports and exports with their
//! types, memories, tables, globals, custom sections (`producers`, `name`, DWARF), the
//! proposals it uses, and its largest functions.

mod custom;
mod features;
mod report;
mod types;
pub(crate) mod walk;

pub use report::*;

use crate::error::{InspectError, InspectErrorKind};
use std::borrow::Cow;
use std::path::Path;

/// Inspects a module, binary or text. A malformed binary fails with the decoder's byte offset
/// ([`InspectError::offset`]); a module that decodes but would not validate is still reported.
pub fn inspect(bytes: &[u8]) -> Result<Report, InspectError> {
    let binary = binary(bytes)?;
    Ok(walk::walk(&binary)?.report)
}

/// The binary form of a module given as binary or as text. Text is what starts, after
/// whitespace, with `(` or a `;;` comment, like a `.wat` file; anything else is taken as
/// binary, so garbage fails with the binary decoder's offset rather than a text parser's.
pub fn binary(bytes: &[u8]) -> Result<Cow<'_, [u8]>, InspectError> {
    text_to_binary(bytes, None)
}

/// [`binary`] for the contents of a file: text errors name `path`, with line and column.
pub fn binary_of_file<'a>(bytes: &'a [u8], path: &Path) -> Result<Cow<'a, [u8]>, InspectError> {
    text_to_binary(bytes, Some(path))
}

fn text_to_binary<'a>(bytes: &'a [u8], path: Option<&Path>) -> Result<Cow<'a, [u8]>, InspectError> {
    if !looks_like_text(bytes) {
        return Ok(Cow::Borrowed(bytes));
    }
    wat::parse_bytes(bytes).map_err(|mut e| {
        if let Some(path) = path {
            e.set_path(path);
        }
        InspectErrorKind::InvalidText {
            message: e.to_string(),
        }
        .into()
    })
}

fn looks_like_text(bytes: &[u8]) -> bool {
    let start = bytes.trim_ascii_start();
    start.starts_with(b"(") || start.starts_with(b";;")
}

#[cfg(test)]
mod tests;
