//! wasmux adapter for wasm3, the C interpreter (the 0.4 release bundled by the `wasm3` crate).
//!
//! The typed `wasm3` Rust API cannot express signatures chosen at run time, so the adapter
//! drives wasm3's C API (re-exported as `wasm3::wasm3_sys`) directly. Each instance gets its own
//! wasm3 runtime; see `store.rs` for what that means for linking, and `stack.rs` for how deep
//! recursion is kept from crashing the host.
//!
//! Limits of wasm3 0.4 that the adapter reports rather than hides:
//! - WebAssembly 1.0 plus sign extension and saturating conversions only; anything newer must
//!   be lowered first (`needs_lowering`) or compiling fails with `Unsupported`.
//! - At most one result per function (no multi-value).
//! - No sharing of memories, tables or mutable globals between instances, and no host-created
//!   ones: each wasm3 runtime owns exactly one memory and one table.
//! - `memory.grow` computes the new size in 32 bits: a delta that wraps (such as `-1`) shrinks
//!   the memory and returns the old size instead of -1. Memory stays bounds-checked; only the
//!   result is wrong, and the facade's lowering guards `memory.grow` against it. Memories are
//!   also capped at 65535 pages, since 65536 wraps to 0 bytes.

pub mod baseline;
mod call;
mod dry_run;
mod engine;
mod host;
mod locate;
mod mirror;
mod module;
mod segments;
mod stack;
mod store;
mod trap;
mod validate;

pub use engine::Wasm3Engine;
pub use module::Wasm3Module;
pub use stack::take_hook_seen;
pub use store::Wasm3Store;

use std::sync::Arc;
use wasmux_core::Engine;

/// Every variant of this engine that the build provides.
pub fn engines() -> Vec<Arc<dyn Engine>> {
    vec![Arc::new(Wasm3Engine::new())]
}
