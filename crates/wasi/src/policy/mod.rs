//! The policy: what a guest is granted, as a TOML file (see the design's "Policy" section).
//! Deny by default: no files, no environment, no sockets unless granted; clocks and randomness
//! granted unless denied.

mod apply;
mod limits;
mod narrow;
mod parse;

use crate::audit::AuditLevel;
use crate::ctx::Mode;
pub use limits::LimitsPolicy;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::PathBuf;
use toml::Spanned;

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// Preopened directories: guest path -> host directory and mode.
    #[serde(default)]
    pub fs: BTreeMap<String, Mount>,
    #[serde(default)]
    pub env: EnvPolicy,
    #[serde(default)]
    pub net: NetPolicy,
    #[serde(default)]
    pub clock: Toggle,
    #[serde(default)]
    pub random: Toggle,
    #[serde(default)]
    pub limits: LimitsPolicy,
    #[serde(default)]
    pub audit: AuditPolicy,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mount {
    /// Kept with its place in the file, so a missing directory is reported at its line.
    pub host: Spanned<PathBuf>,
    /// Read-only unless the policy says `rw`.
    #[serde(default)]
    pub mode: Mode,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnvPolicy {
    /// Host variables copied into the guest when the host has them.
    #[serde(default)]
    pub inherit: Vec<String>,
    #[serde(default)]
    pub set: BTreeMap<String, String>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetPolicy {
    /// Addresses the host listens on and hands to the guest as preopened sockets.
    #[serde(default)]
    pub listen: Vec<Spanned<String>>,
}

/// A capability granted by default: `None` (not written) means granted, or inherited when
/// narrowing.
#[derive(Clone, Copy, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Toggle {
    pub allow: Option<bool>,
}

impl Toggle {
    pub fn allowed(self) -> bool {
        self.allow.unwrap_or(true)
    }
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditPolicy {
    /// A JSON-lines file that receives the events (appended to), or "-" for stderr.
    pub file: Option<PathBuf>,
    pub level: Option<AuditLevel>,
}

impl Mount {
    /// A mount built in code or from command-line flags (no place in a file to report).
    pub fn new(host: impl Into<PathBuf>, mode: Mode) -> Mount {
        Mount {
            host: Spanned::new(0..0, host.into()),
            mode,
        }
    }
}

impl Policy {
    /// Grants `host` as `guest`, replacing an earlier grant of the same guest path (so that a
    /// command-line flag overrides the policy file).
    pub fn mount(&mut self, guest: impl Into<String>, host: impl Into<PathBuf>, mode: Mode) {
        self.fs.insert(guest.into(), Mount::new(host, mode));
    }

    /// Adds a listening address, once.
    pub fn listen(&mut self, addr: impl Into<String>) {
        let addr = addr.into();
        if !self.net.listen.iter().any(|a| *a.get_ref() == addr) {
            self.net.listen.push(Spanned::new(0..0, addr));
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    /// The file is not a valid policy; `line` is 1-based (0 when unknown).
    #[error("{file}:{line}: {message}")]
    Invalid {
        file: String,
        line: usize,
        message: String,
    },
    #[error("cannot read policy {file}: {source}")]
    Read {
        file: String,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot open audit file {file}: {source}")]
    AuditFile {
        file: String,
        #[source]
        source: std::io::Error,
    },
    /// A child policy asked for more than its parent holds.
    #[error("the policy asks for more than its parent grants: {0}")]
    Widens(String),
    #[error(transparent)]
    Wasi(#[from] crate::error::WasiError),
}
