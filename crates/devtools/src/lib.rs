//! Developer tools for WebAssembly modules: what a module holds and uses, and its text.

pub mod disasm;
mod error;
pub mod inspect;

pub use error::{InspectError, InspectErrorKind};
