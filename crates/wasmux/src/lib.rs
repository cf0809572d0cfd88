//! wasmux: run, sandbox and meter WebAssembly on wasmtime, wasmer, wasm3 and wasmi behind one API.
//!
//! ```no_run
//! use wasmux::{Module, Runtime, Val};
//! let runtime = Runtime::builder().engine("wasm3").fuel(10_000_000).build()?;
//! let mut instance = runtime.instantiate(&Module::from_file("fib.wat")?)?;
//! println!("{:?}", instance.call("fib", &[Val::I32(20)])?);
//! println!("fuel used: {:?}", instance.last_call_stats().fuel_consumed);
//! # Ok::<(), wasmux::Error>(())
//! ```

mod cache;
pub mod engines;
mod host_limits;
mod imports;
mod instance;
mod interrupt;
pub mod module;
mod prepare;
mod runtime;
pub mod wast;

pub use cache::{
    default_dir as default_cache_dir, read_aot, write_aot, AotArtifact, CacheError, CacheKey,
    CacheSize, CompileCache, Entry, EntryHeader, ListedEntry, Rejection,
};
pub use engines::{all_engines, engine, engine_names};
pub use host_limits::MAX_TABLE_ELEMENTS;
pub use imports::UnknownImports;
pub use instance::{CallStats, Func, Instance};
pub use interrupt::CancelHandle;
pub use module::Module;
pub use prepare::prepare;
pub use runtime::{Runtime, RuntimeBuilder};
pub use wasmux_core::*;
pub use wasmux_wasi as wasi;
