//! wasmux: run, sandbox and meter WebAssembly on wasmtime, wasmer, wasm3 and wasmi behind one API.

pub mod engines;
pub mod module;

pub use engines::{all_engines, engine, engine_names};
pub use module::{prepare, Module};
pub use wasmux_core::*;
