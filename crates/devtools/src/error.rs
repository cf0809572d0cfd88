//! Why a module could not be inspected or disassembled: one word-sized error with a kind.

use std::fmt;

/// An error of `inspect` or `disasm`. Match on [`InspectError::kind`]; the message is built from
/// the kind when displayed.
#[derive(Debug)]
pub struct InspectError {
    kind: Box<InspectErrorKind>,
}

/// What went wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InspectErrorKind {
    /// The binary does not decode; `offset` is where the decoder stopped.
    #[error("malformed module at byte offset {offset} (0x{offset:x}): {message}")]
    Malformed { offset: usize, message: String },
    /// The text format did not parse (the message has the line and column).
    #[error("{message}")]
    InvalidText { message: String },
    /// A component (the component model's binary), which these tools do not read.
    #[error("this is a WebAssembly component, not a core module; only core modules are supported")]
    Component,
    /// No function has this name, in the name section or among the exports.
    #[error("no function named `{wanted}` (the module has {count} functions, by index 0 to {last})", last = count.saturating_sub(1))]
    UnknownFunction { wanted: String, count: u32 },
    /// A function index past the function index space.
    #[error("function index {index} is out of range: the module has {count} functions")]
    FunctionIndexOutOfRange { index: u32, count: u32 },
    /// The function is imported: its body is in another module.
    #[error("function {index}{} is imported from `{module}` `{name}` ({signature}): an imported function has no body in this module", label.as_ref().map(|l| format!(" (`{l}`)")).unwrap_or_default())]
    ImportedFunction {
        index: u32,
        label: Option<String>,
        module: String,
        name: String,
        signature: String,
    },
    /// A function the function section declares, with no body in the code section.
    #[error("function {index} has no body: the module has no code for it")]
    MissingBody { index: u32 },
    /// wasmprinter could not print the module.
    #[error("cannot print the module as text: {message}")]
    Print { message: String },
}

impl InspectError {
    pub fn kind(&self) -> &InspectErrorKind {
        &self.kind
    }

    /// The byte offset of a malformed module's error.
    pub fn offset(&self) -> Option<usize> {
        match *self.kind {
            InspectErrorKind::Malformed { offset, .. } => Some(offset),
            _ => None,
        }
    }
}

impl fmt::Display for InspectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.kind, f)
    }
}

impl std::error::Error for InspectError {}

impl From<InspectErrorKind> for InspectError {
    #[cold]
    fn from(kind: InspectErrorKind) -> Self {
        InspectError {
            kind: Box::new(kind),
        }
    }
}

impl From<wasmparser::BinaryReaderError> for InspectError {
    #[cold]
    fn from(e: wasmparser::BinaryReaderError) -> Self {
        InspectErrorKind::Malformed {
            offset: e.offset(),
            message: e.message().to_string(),
        }
        .into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_is_one_word() {
        assert_eq!(
            std::mem::size_of::<InspectError>(),
            std::mem::size_of::<usize>()
        );
    }

    #[test]
    fn a_malformed_module_names_the_offset_in_decimal_and_hex() {
        let e: InspectError = InspectErrorKind::Malformed {
            offset: 26,
            message: "unexpected end-of-file".into(),
        }
        .into();
        assert_eq!(e.offset(), Some(26));
        assert_eq!(
            e.to_string(),
            "malformed module at byte offset 26 (0x1a): unexpected end-of-file"
        );
    }
}
