//! `wasmux build`: a Rust crate compiled for wasm32-wasip1 with a size-minded profile, then made
//! smaller by the passes and validated after each.

mod error;
pub mod passes;

pub use error::{BuildError, PassError};
