//! wasmux adapter for wasmi, the Rust WebAssembly interpreter.
//!
//! The adapter only translates: wasmux values, types, host functions and errors to wasmi's and
//! back. Fuel, interruption and memory caps are provided above it by module rewriting, so
//! wasmi's own fuel metering stays off.

pub mod baseline;
mod convert;
mod engine;
mod error;
mod exports;
mod host;
mod imports;
mod rollback;
mod store;

use std::sync::Arc;
use wasmux_core::Engine;

/// Every variant of this engine that the build provides: wasmi has exactly one.
pub fn engines() -> Vec<Arc<dyn Engine>> {
    vec![Arc::new(engine::WasmiEngine::new())]
}
