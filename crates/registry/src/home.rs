//! Where a registry lives on disk: one directory holding the index, the blobs, the keys and
//! the policy.
//!
//! ```text
//! HOME/index.sqlite          the index (SQLite, WAL journal)
//! HOME/blobs/sha256/ab/abcd… module bytes, named by their sha256
//! HOME/blobs/tmp/            blobs being written; gc removes what a killed process left
//! HOME/keys/NAME.secret      signing keys (hex ed25519 seeds, mode 0600)
//! HOME/trusted-keys/NAME.pub public keys whose signatures are accepted (hex)
//! HOME/policy.toml           the publish policy (optional), also read for require_signed
//! ```

use crate::error::{Error, Result};
use std::path::{Path, PathBuf};

pub const INDEX_FILE: &str = "index.sqlite";
pub const POLICY_FILE: &str = "policy.toml";

/// `$WASMUX_HOME`, else `$XDG_DATA_HOME/wasmux`, else `~/.local/share/wasmux`: the registry
/// holds published data, not a cache, so it goes where XDG puts data. XDG asks that a relative
/// `XDG_DATA_HOME` be ignored.
pub fn default_home() -> Result<PathBuf> {
    wasmux_core::dirs::user_dir("WASMUX_HOME", "XDG_DATA_HOME", &[".local", "share"]).ok_or_else(
        || {
            Error::invalid(
                "registry home",
                "no directory: set --home, WASMUX_HOME, XDG_DATA_HOME or HOME",
            )
        },
    )
}

/// The paths inside one home directory.
#[derive(Clone, Debug)]
pub struct Home {
    root: PathBuf,
}

impl Home {
    pub fn new(root: impl Into<PathBuf>) -> Home {
        Home { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn index(&self) -> PathBuf {
        self.root.join(INDEX_FILE)
    }

    pub fn blobs(&self) -> PathBuf {
        self.root.join("blobs")
    }

    pub fn keys(&self) -> PathBuf {
        self.root.join("keys")
    }

    pub fn trusted_keys(&self) -> PathBuf {
        self.root.join("trusted-keys")
    }

    pub fn policy(&self) -> PathBuf {
        self.root.join(POLICY_FILE)
    }
}
