//! What an entry is for, and what it holds.

use sha2::{Digest, Sha256};
use wasmux_core::ArtifactKey;

/// Everything compiled code depends on: the module, how it was rewritten, and the engine.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CacheKey {
    /// sha256 of the module's bytes as the user gave them, before any rewriting.
    pub module_sha256: [u8; 32],
    /// The rewriting the facade applied (fuel, interrupt checks, memory caps...), described as
    /// text; equal text means equal rewriting.
    pub options: String,
    pub engine: ArtifactKey,
}

impl CacheKey {
    pub fn new(module: &[u8], options: impl Into<String>, engine: ArtifactKey) -> Self {
        CacheKey {
            module_sha256: Sha256::digest(module).into(),
            options: options.into(),
            engine,
        }
    }

    /// The entry's file name: a digest of the whole key, so one directory holds entries of
    /// every engine, target and option set side by side.
    pub fn file_name(&self) -> String {
        let mut h = Sha256::new();
        h.update(self.module_sha256);
        for field in [
            &self.options,
            &self.engine.engine,
            &self.engine.version,
            &self.engine.target,
            &self.engine.config,
        ] {
            h.update((field.len() as u64).to_le_bytes());
            h.update(field.as_bytes());
        }
        format!("{}.{}", hex(&h.finalize()), super::store::ENTRY_EXTENSION)
    }
}

/// Compiled code and what the facade needs to use it without compiling again.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Opaque to the cache: written and read back as it is.
    pub metadata: Vec<u8>,
    /// What `Engine::serialize` wrote.
    pub artifact: Vec<u8>,
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
