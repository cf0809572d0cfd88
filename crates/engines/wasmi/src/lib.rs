//! wasmux adapter for wasmi, the Rust WebAssembly interpreter.
//!
//! The adapter only translates: wasmux values, types, host functions and errors to wasmi's and
//! back. Fuel, interruption and memory caps are provided above it by module rewriting, so
//! wasmi's own fuel metering stays off.

#![no_std]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod baseline;
mod convert;
mod engine;
mod error;
mod exports;
mod host;
mod imports;
mod rollback;
mod store;
mod sync;

use alloc::sync::Arc;
use alloc::{vec, vec::Vec};
use wasmux_core::Engine;

/// Every variant of this engine that the build provides: wasmi has exactly one.
pub fn engines() -> Vec<Arc<dyn Engine>> {
    vec![Arc::new(engine::WasmiEngine::new())]
}
