//! Developer tools for WebAssembly modules: what a module holds and uses, its text, a Rust
//! crate built into a small module, and where a module spends its time, on every engine.

pub mod build;
pub mod disasm;
mod error;
pub mod inspect;
pub mod profile;
mod symbols;
pub mod trace;

pub use error::{InspectError, InspectErrorKind};
pub use symbols::{show_value, Symbols};
