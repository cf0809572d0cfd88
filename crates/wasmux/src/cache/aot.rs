//! Ahead-of-time compiled files (`wasmux compile`): a cache entry's bytes in a file of the
//! user's choosing, loadable without the module it was compiled from.

use super::error::{CacheError, Rejection};
use super::format;
use super::key::{CacheKey, Entry};
use super::store::write_atomically;
use std::path::Path;
use wasmux_core::Engine;

/// A compiled module as read from an AOT file.
#[derive(Clone, Debug)]
pub struct AotArtifact {
    /// The key it was compiled under: the module's digest, its rewriting, and the engine.
    pub key: CacheKey,
    pub entry: Entry,
}

/// Whether `bytes` start as an AOT file does (rather than as a module, binary or text).
pub fn is_aot(bytes: &[u8]) -> bool {
    bytes.starts_with(super::format::MAGIC)
}

/// Writes `entry` to `path`, replacing the file whole.
pub fn write_aot(path: &Path, key: &CacheKey, entry: &Entry) -> Result<(), CacheError> {
    let name = path.file_name().ok_or_else(|| CacheError::Io {
        path: path.to_path_buf(),
        source: std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a file name"),
    })?;
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    write_atomically(dir, &name.to_string_lossy(), |f| {
        format::write(f, key, entry)
    })
}

/// Reads the AOT file at `path` for `engine`: intact, and compiled by an engine with an equal
/// artifact key, or an error naming both sides ("compiled for wasmtime 48.0.8 on
/// aarch64-unknown-linux-gnu; this is wasmer 7.4.2 on x86_64-unknown-linux-gnu").
pub fn read_aot(path: &Path, engine: &dyn Engine) -> Result<AotArtifact, CacheError> {
    let expected = engine
        .artifact_key()
        .ok_or_else(|| CacheError::NotSerializable {
            engine: engine.info().name.clone(),
        })?;
    let bytes = std::fs::read(path).map_err(|source| CacheError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let rejected = |reason| CacheError::Rejected {
        path: path.to_path_buf(),
        reason,
    };
    let (key, entry) = format::read_owned(bytes).map_err(rejected)?;
    // Other settings alone (code compiled elsewhere for this target) are the engine's to
    // judge where it checks them when loading; the caller reports its refusal.
    let settings_only = key.engine.mismatch(&expected) == Some("settings");
    if key.engine != expected && !(settings_only && engine.checks_settings_on_load()) {
        return Err(rejected(Rejection::Foreign {
            found: Box::new(key.engine),
            expected: Box::new(expected),
        }));
    }
    Ok(AotArtifact { key, entry })
}
