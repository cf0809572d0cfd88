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

pub mod auto;
mod cache;
mod cached;
mod coredump;
pub mod engines;
mod group;
mod host_limits;
mod imports;
mod instance;
mod interrupt;
mod linker;
mod metrics;
pub mod module;
mod parallel;
pub mod pass;
pub mod platform;
mod pool;
mod prepare;
mod prepared;
mod runtime;
mod trap_report;
pub mod wast;

pub use cache::{
    default_dir as default_cache_dir, is_aot, read_aot, write_aot, AotArtifact, CacheError,
    CacheKey, CacheSize, CompileCache, Entry, EntryHeader, ListedEntry, Rejection,
};
pub use engines::{all_engines, engine, engine_names};
pub use host_limits::MAX_TABLE_ELEMENTS;
pub use imports::UnknownImports;
pub use instance::{CallStats, Func, Instance};
pub use interrupt::CancelHandle;
pub use linker::{LinkedInstance, Linker};
pub use metrics::{CacheOutcome, RuntimeMetrics};
pub use module::Module;
pub use parallel::Batch;
pub use pass::Pass;
pub use prepare::compile;
pub use prepared::PreparedModule;
pub use runtime::{InstanceFuncs, Runtime, RuntimeBuilder};
pub use wasmux_core::{
    parse_duration, parse_size, AnyRef, Backtrace, Caller, EngineCaps, EngineInfo, Error,
    ErrorKind, ExportKind, ExportType, Frame, FuncType, GlobalType, HostError, HostFunc, Interrupt,
    Limits, MemoryType, TableType, Trap, Val, ValType, CALLER_MEMORY,
};

/// What an engine adapter implements, for embedders who drive an engine directly (the spec
/// runner, conformance tests, a new adapter). Everything else goes through [`Runtime`].
pub mod adapter {
    pub use wasmux_core::{
        Artifact, ArtifactKey, CompiledModule, Engine, ExternHandle, Import, ImportValue,
        InstanceId, Store, StoreConfig,
    };
}
pub use wasmux_wasi as wasi;
