//! Developer tools for WebAssembly modules: what a module holds and uses, and its text.

pub mod disasm;
mod error;
pub mod inspect;
pub mod profile;
mod symbols;
pub mod trace;

pub use error::{InspectError, InspectErrorKind};
pub use symbols::{show_value, Symbols};
