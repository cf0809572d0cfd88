//! `--cache DIR` / `--no-cache`, and the module loading that uses them: shared by the commands
//! that compile modules to run them.

use anyhow::Result;
use clap::Args;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
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

/// The bytes of the module at `path`, read straight into memory the prepared module can share
/// (it keeps them to name the frames of a trap) without a copy of a large module; a missing
/// file is named.
pub fn read(path: &Path) -> Result<Arc<[u8]>> {
    read_shared(path).map_err(|e| {
        wasmux::Error::Io(std::io::Error::new(
            e.kind(),
            format!("{}: {e}", path.display()),
        ))
        .into()
    })
}

fn read_shared(path: &Path) -> std::io::Result<Arc<[u8]>> {
    let mut file = std::fs::File::open(path)?;
    let len = usize::try_from(file.metadata()?.len()).map_err(std::io::Error::other)?;
    // SAFETY: zero bytes are valid `u8`s. Zeroed memory of that size comes from the system
    // already zero, so this costs no pass over it.
    let mut bytes = unsafe { Arc::<[u8]>::new_zeroed_slice(len).assume_init() };
    let buf = Arc::get_mut(&mut bytes).expect("not shared yet");
    // A file that changed size since its length was read (or a special file that reports
    // none) is read as it is now.
    if file.read_exact(buf).is_err() || file.read(&mut [0u8])? != 0 {
        return Ok(Arc::from(std::fs::read(path)?));
    }
    Ok(bytes)
}

/// [`prepare`] of bytes already read from `path`.
pub fn prepare_read(runtime: &Runtime, path: &Path, bytes: &Arc<[u8]>) -> Result<PreparedModule> {
    let prepared = if wasmux::is_aot(bytes) {
        runtime.prepare_artifact(path)?
    } else {
        runtime.prepare_shared(&path.display().to_string(), bytes.clone())?
    };
    if let Some(why) = prepared.cache_error() {
        eprintln!("wasmux: warning: {why}; compiled code is not kept");
    }
    Ok(prepared)
}
