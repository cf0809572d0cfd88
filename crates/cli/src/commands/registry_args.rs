//! `--home DIR`: which registry the registry commands use.

use anyhow::Result;
use clap::Args;
use std::path::PathBuf;
use wasmux_registry::remote::RemoteRegistry;
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

/// `--registry URL`: a registry server to use instead of the local registry.
#[derive(Args, Debug, Default)]
pub struct RemoteArgs {
    /// A registry server (`wasmux registry serve`) instead of the local registry (default:
    /// $WASMUX_REGISTRY). Signatures are still checked against the local home's trusted keys.
    #[arg(long, value_name = "URL")]
    pub registry: Option<String>,
    /// The token the server asks for to publish or yank (default: $WASMUX_REGISTRY_TOKEN,
    /// which keeps it out of the process list).
    #[arg(long, value_name = "TOKEN", requires = "registry")]
    pub token: Option<String>,
}

impl RemoteArgs {
    /// The server to use, if one is given by flag or environment.
    pub fn remote(&self) -> Result<Option<RemoteRegistry>> {
        let url = match &self.registry {
            Some(url) => url.clone(),
            None => match std::env::var("WASMUX_REGISTRY") {
                Ok(url) if !url.is_empty() => url,
                _ => return Ok(None),
            },
        };
        let token = self
            .token
            .clone()
            .or_else(|| std::env::var("WASMUX_REGISTRY_TOKEN").ok());
        Ok(Some(RemoteRegistry::new(&url, token)?))
    }
}
