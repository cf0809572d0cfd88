//! What a build did: each step with the module's size before and after it.

use serde::Serialize;
use std::path::PathBuf;

#[derive(Debug, Clone, Serialize)]
pub struct BuildReport {
    pub package: String,
    /// The binary's (or cdylib's) name.
    pub target: String,
    /// `wasm32-wasip1`.
    pub triple: String,
    /// The cargo profile built.
    pub profile: String,
    /// What cargo wrote, and what the build wrote.
    pub cargo_output: PathBuf,
    pub output: PathBuf,
    pub steps: Vec<Step>,
}

impl BuildReport {
    /// Size of cargo's output.
    pub fn cargo_size(&self) -> u64 {
        self.steps.first().map_or(0, |s| s.after)
    }

    /// Size of the module written.
    pub fn final_size(&self) -> u64 {
        self.steps.last().map_or(0, |s| s.after)
    }
}

/// One step of the build. `before` is `None` for the cargo build itself; a skipped step has
/// `after == before` and says why in `note`.
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    pub name: String,
    pub before: Option<u64>,
    pub after: u64,
    pub applied: bool,
    pub note: String,
}

impl Step {
    pub(crate) fn skipped(name: &str, size: u64, why: impl Into<String>) -> Step {
        Step {
            name: name.to_string(),
            before: Some(size),
            after: size,
            applied: false,
            note: why.into(),
        }
    }

    pub(crate) fn applied(name: &str, before: u64, after: u64, note: impl Into<String>) -> Step {
        Step {
            name: name.to_string(),
            before: Some(before),
            after,
            applied: true,
            note: note.into(),
        }
    }
}
