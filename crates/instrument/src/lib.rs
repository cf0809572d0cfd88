//! wasm -> wasm rewriting.
