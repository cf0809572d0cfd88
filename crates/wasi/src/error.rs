//! Errors of this crate: setting up a WASI context or reading a policy.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum WasiError {
    #[error("cannot open host directory {path} for guest path {guest}: {source}")]
    OpenDir {
        path: PathBuf,
        guest: String,
        #[source]
        source: std::io::Error,
    },
    #[error("guest path {0:?} of a preopened directory must be absolute or \".\"")]
    GuestPath(String),
    #[error("no preopened directory has the guest path {0:?}")]
    NoMount(String),
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: String,
        #[source]
        source: std::io::Error,
    },
}
