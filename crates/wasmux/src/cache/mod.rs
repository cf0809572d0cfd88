//! The on-disk compile cache and AOT files: compiled code of serializing engines, kept under
//! a key of everything it depends on, checked before any byte reaches an engine.
//!
//! Engine-neutral: adapters turn compiled modules into bytes and back (`Engine::serialize`,
//! `Engine::deserialize`); this module decides where the bytes live and whether they can be
//! trusted.

mod aot;
mod error;
mod format;
mod key;
mod store;

pub use aot::{is_aot, read_aot, write_aot, AotArtifact};
pub use error::{CacheError, Rejection};
pub use format::Header as EntryHeader;
pub use key::{CacheKey, Entry};
pub use store::{default_dir, CacheSize, CompileCache, ListedEntry};
