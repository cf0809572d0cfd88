//! Engine-neutral vocabulary shared by every wasmux crate.
//!
//! Nothing here depends on an engine: adapters in `crates/engines/*` translate between these
//! types and their engine's own, and everything above the adapters speaks only these types.

#![no_std]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

/// The names the standard library's prelude gives, for crates that build without it: this one
/// is `no_std` either way, so both builds see the same names; adapters that can build without
/// `std` (wasmi's) use it too.
pub mod prelude {
    pub use alloc::boxed::Box;
    pub use alloc::string::{String, ToString};
    pub use alloc::vec::Vec;
    pub use alloc::{format, vec};
}

pub mod artifact;
pub mod backtrace;
#[cfg(feature = "std")]
pub mod dirs;
pub mod engine;
pub mod error;
pub mod host;
pub mod limits;
pub mod types;

pub use artifact::{stable_digest, Artifact, ArtifactKey, StableHasher};
pub use backtrace::{Backtrace, Frame, SourceLocation};
pub use engine::{
    check_import_count, CompiledModule, Engine, EngineCaps, EngineInfo, ExternHandle, Import,
    ImportValue, InstanceId, PoolConfig, Store, StoreConfig,
};
pub use error::{Error, ErrorKind, Trap};
pub use host::{Caller, HostError, HostFunc, HostFuncImpl, Interrupt, CALLER_MEMORY};
pub use limits::{parse_duration, parse_size, Limits};
pub use types::{
    AnyRef, ExportKind, ExportType, FuncType, GlobalType, MemoryType, TableType, Val, ValType,
};
