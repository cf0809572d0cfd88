//! Compiled code an engine wrote to bytes, and what decides where those bytes can be loaded.

use crate::prelude::*;
use core::fmt;
use core::hash::Hasher;
use serde::Serialize;

/// What compiled code of one engine variant depends on: an artifact loads only into an engine
/// whose key is equal in every field.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct ArtifactKey {
    /// The variant's name, as users select it: `wasmtime`, `wasmtime:winch`, `wasmer:llvm`...
    pub engine: String,
    /// The engine crate's version as the build resolved it.
    pub version: String,
    /// The target triple the code was compiled for.
    pub target: String,
    /// A digest of the compilation settings (compiler flags, enabled proposals, tunables).
    pub config: String,
}

impl ArtifactKey {
    /// How two keys differ, for people: the first field in the order engine, version, target,
    /// settings that is not equal, or `None` when they are equal.
    pub fn mismatch(&self, other: &ArtifactKey) -> Option<&'static str> {
        if self.engine != other.engine {
            Some("engine")
        } else if self.version != other.version {
            Some("version")
        } else if self.target != other.target {
            Some("target")
        } else if self.config != other.config {
            Some("settings")
        } else {
            None
        }
    }
}

/// `wasmtime 48.0.8 on x86_64-unknown-linux-gnu`: the settings digest is left out, as people
/// rarely need it; [`ArtifactKey::mismatch`] names it when it is what differs.
impl fmt::Display for ArtifactKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} on {}", self.engine, self.version, self.target)
    }
}

/// Compiled code and the key of the engine that can load it.
#[derive(Clone, Debug)]
pub struct Artifact {
    pub key: ArtifactKey,
    pub bytes: Vec<u8>,
}

/// FNV-1a, 64 bits: a digest of an engine's `Hash` settings that, unlike `DefaultHasher`, is
/// the same in every build, so keys written by one wasmux build are read alike by the next.
#[derive(Clone, Debug)]
pub struct StableHasher(u64);

impl Default for StableHasher {
    fn default() -> Self {
        StableHasher(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for StableHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// The digest of `value` as 16 hex digits.
pub fn stable_digest(value: &impl core::hash::Hash) -> String {
    let mut h = StableHasher::default();
    value.hash(&mut h);
    format!("{:016x}", h.finish())
}
