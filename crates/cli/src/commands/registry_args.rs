//! `--home DIR`: which registry the registry commands use.

use anyhow::Result;
use clap::Args;
use std::path::PathBuf;
use wasmux_registry::Registry;

#[derive(Args, Debug, Default)]
pub struct HomeArgs {
    /// The registry's directory (default: $WASMUX_HOME, else $XDG_DATA_HOME/wasmux, else
    /// ~/.local/share/wasmux). Created on first use.
    #[arg(long, value_name = "DIR")]
    pub home: Option<PathBuf>,
}

impl HomeArgs {
    pub fn dir(&self) -> Result<PathBuf> {
        Ok(match &self.home {
            Some(dir) => dir.clone(),
            None => wasmux_registry::default_home()?,
        })
    }

    pub fn open(&self) -> Result<Registry> {
        Ok(Registry::open(self.dir()?)?)
    }
}

/// A digest shortened for a table, as git shortens commits.
pub fn short(digest: &str) -> &str {
    &digest[..digest.len().min(12)]
}
