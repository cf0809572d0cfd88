//! Why an entry was not used, and why the cache could not do what was asked.

use std::io;
use std::path::PathBuf;
use wasmux_core::ArtifactKey;

/// Why bytes on disk are not used: each is a miss, after which the caller compiles again and
/// replaces the entry.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    #[error("not a wasmux compiled artifact (bad magic bytes)")]
    NotAnEntry,
    #[error(
        "written in format {found}; this wasmux reads format {}",
        super::format::FORMAT
    )]
    Format { found: u32 },
    #[error("truncated: {found} bytes where the header needs at least {expected}")]
    Truncated { expected: u64, found: u64 },
    #[error("{found} bytes where the header says {expected}")]
    TrailingBytes { expected: u64, found: u64 },
    #[error("malformed header field at byte offset {offset:#x}")]
    Malformed { offset: usize },
    #[error("corrupt: the checksum does not match the contents")]
    Corrupt,
    /// Intact, but written by another engine, engine version, target or configuration.
    #[error(
        "compiled for {found}{}; this is {expected}",
        settings(found, expected)
    )]
    /// Boxed: the keys would make every `Result` carrying a rejection several times larger.
    Foreign {
        found: Box<ArtifactKey>,
        expected: Box<ArtifactKey>,
    },
    /// Intact and for this engine, but for other module bytes or other rewriting: a file
    /// renamed by hand, or a digest collision of the file name.
    #[error("stale: written for other {what}")]
    Stale { what: &'static str },
}

fn settings(found: &ArtifactKey, expected: &ArtifactKey) -> String {
    if found.mismatch(expected) == Some("settings") {
        format!(
            " with other settings (digest {}; this engine's is {})",
            found.config, expected.config
        )
    } else {
        String::new()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    /// The entry or file exists but cannot be used; see the reason.
    #[error("{}: {reason}", path.display())]
    Rejected { path: PathBuf, reason: Rejection },
    /// Read-only, not a directory, no permission: the run goes on without caching.
    #[error("cannot write to the compile cache {}: {source}", dir.display())]
    Unwritable { dir: PathBuf, source: io::Error },
    /// No space, quota or file size limit reached: the run goes on without caching.
    #[error("the compile cache {} is full: {source}", dir.display())]
    Full { dir: PathBuf, source: io::Error },
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: io::Error },
    #[error("no directory for the compile cache: set WASMUX_CACHE, XDG_CACHE_HOME or HOME")]
    NoDefaultDir,
    #[error("{engine} does not write compiled code to files")]
    NotSerializable { engine: String },
}

impl CacheError {
    /// A failure to write: the run continues without caching, and it is worth reporting once.
    pub fn is_unwritable(&self) -> bool {
        matches!(
            self,
            CacheError::Unwritable { .. } | CacheError::Full { .. }
        )
    }

    /// An error of a write into `dir`, by kind: full, not writable, or something else.
    pub(crate) fn writing(dir: PathBuf, path: PathBuf, source: io::Error) -> Self {
        use io::ErrorKind as K;
        match source.kind() {
            K::StorageFull | K::QuotaExceeded | K::FileTooLarge => CacheError::Full { dir, source },
            K::PermissionDenied | K::ReadOnlyFilesystem | K::NotADirectory | K::AlreadyExists => {
                CacheError::Unwritable { dir, source }
            }
            _ => CacheError::Io { path, source },
        }
    }
}
