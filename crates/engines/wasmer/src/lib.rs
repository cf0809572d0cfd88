//! wasmux adapter for wasmer.
//!
//! Two variants share this code: `wasmer` compiles with Singlepass (fast to compile, plain
//! code) and, with the cargo feature `llvm`, `wasmer:llvm` compiles with LLVM (slow to compile,
//! fast code). Only the compiler and the feature set differ between them.

mod artifact;
pub mod baseline;
mod convert;
mod engine;
mod host;
mod link;
mod module;
mod singlepass;
mod store;
mod tables;
mod trap;
mod tunables;

pub use engine::WasmerEngine;

use std::sync::Arc;
use wasmux_core::Engine;

/// Every variant of this engine that the build provides.
pub fn engines() -> Vec<Arc<dyn Engine>> {
    vec![
        Arc::new(WasmerEngine::singlepass()),
        #[cfg(feature = "llvm")]
        Arc::new(WasmerEngine::llvm()),
    ]
}
