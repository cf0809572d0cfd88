//! wasmux adapter for wasmtime: the Cranelift JIT, the Winch baseline compiler and the Pulley
//! interpreter, each exposed as its own engine variant behind the wasmux traits.
//!
//! Fuel and interruption are deliberately left off in wasmtime's `Config`: wasmux meters by
//! rewriting modules on every engine, so counts agree across engines.

mod artifact;
pub mod baseline;
mod convert;
mod engine;
mod error;
mod host;
mod pool;
mod raw_call;
mod store;
mod variant;

use std::sync::Arc;
use wasmux_core::Engine;

/// Every variant of this engine that the build provides: `wasmtime` (Cranelift),
/// `wasmtime:winch` and `wasmtime:pulley`.
pub fn engines() -> Vec<Arc<dyn Engine>> {
    variant::Variant::ALL
        .iter()
        .map(|&v| Arc::new(engine::WasmtimeEngine::new(v)) as Arc<dyn Engine>)
        .collect()
}
