//! Developer tools for wasmux: building a Rust crate into a small, valid WebAssembly module.

pub mod build;
