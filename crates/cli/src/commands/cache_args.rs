//! `--cache DIR` / `--no-cache`, and the module loading that uses them: shared by the commands
//! that compile modules to run them.

use anyhow::Result;
use clap::Args;
use std::path::{Path, PathBuf};
use wasmux::{CompileCache, PreparedModule, Runtime, RuntimeBuilder};

#[derive(Args, Debug, Default)]
pub struct CacheArgs {
    /// Keep compiled code in DIR and reuse it on later runs (default: $WASMUX_CACHE, else
    /// $XDG_CACHE_HOME/wasmux, else ~/.cache/wasmux). Engines that compile nothing worth
    /// keeping (wasm3, wasmi) ignore it.
    #[arg(long, value_name = "DIR", conflicts_with = "no_cache")]
    cache: Option<PathBuf>,
    /// Compile without the cache: nothing is read from it or written to it.
    #[arg(long)]
    no_cache: bool,
}

impl CacheArgs {
    /// `builder` with the cache these flags ask for. Without a directory to use (no HOME), it
    /// runs uncached, as it would with --no-cache.
    pub fn apply(&self, builder: RuntimeBuilder) -> RuntimeBuilder {
        match self.cache() {
            Some(cache) => builder.cache(cache),
            None => builder,
        }
    }

    /// The cache these flags ask for, if any.
    pub fn cache(&self) -> Option<CompileCache> {
        if self.no_cache {
            return None;
        }
        let dir = self
            .cache
            .clone()
            .or_else(|| wasmux::default_cache_dir().ok())?;
        Some(CompileCache::open(dir))
    }
}

/// The module at `path` prepared on `runtime`: an AOT file (`wasmux compile`) is loaded as it
/// is; a module is loaded from the compile cache or compiled (and stored). A cache that cannot
/// be written is reported once, and the module runs all the same.
pub fn prepare(runtime: &Runtime, path: &Path) -> Result<PreparedModule> {
    prepare_read(runtime, path, &read(path)?)
}

/// The bytes of the module at `path`; a missing file is named.
pub fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| {
        wasmux::Error::Io(std::io::Error::new(
            e.kind(),
            format!("{}: {e}", path.display()),
        ))
        .into()
    })
}

/// [`prepare`] of bytes already read from `path`.
pub fn prepare_read(runtime: &Runtime, path: &Path, bytes: &[u8]) -> Result<PreparedModule> {
    let prepared = if wasmux::is_aot(bytes) {
        runtime.prepare_artifact(path)?
    } else {
        runtime.prepare_bytes(&path.display().to_string(), bytes)?
    };
    if let Some(why) = prepared.cache_error() {
        eprintln!("wasmux: warning: {why}; compiled code is not kept");
    }
    Ok(prepared)
}
