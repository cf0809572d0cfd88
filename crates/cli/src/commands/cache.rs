use crate::table;
use anyhow::Result;
use clap::{Args, Subcommand};
use serde::Serialize;
use std::path::PathBuf;
use std::process::ExitCode;
use wasmux::{CompileCache, ListedEntry};

/// List, measure or empty the compile cache, where compiled modules are kept between runs.
#[derive(Args)]
#[command(
    after_help = "The cache is in $WASMUX_CACHE, else $XDG_CACHE_HOME/wasmux, else ~/.cache/wasmux.\n\nExamples:\n  wasmux cache ls\n  wasmux cache ls --json\n  wasmux cache size\n  wasmux cache clean\n  wasmux cache clean --dir /tmp/wasmux-cache"
)]
pub struct CacheArgs {
    #[command(subcommand)]
    command: CacheCommand,
    /// The cache directory, instead of the default.
    #[arg(long, global = true, value_name = "DIR")]
    dir: Option<PathBuf>,
    /// Machine-readable output.
    #[arg(long, global = true)]
    json: bool,
}

#[derive(Subcommand)]
enum CacheCommand {
    /// One line per entry: engine, version, target, module digest, size.
    Ls,
    /// How many files and bytes the cache holds.
    Size,
    /// Remove every entry (other files in the directory are left alone).
    Clean,
}

#[derive(Serialize)]
struct Listed {
    file: String,
    bytes: u64,
    engine: Option<String>,
    version: Option<String>,
    target: Option<String>,
    module_sha256: Option<String>,
    options: Option<String>,
    /// Why the header cannot be read; `get` treats such a file as a miss and replaces it.
    error: Option<String>,
}

#[derive(Serialize)]
struct Size {
    dir: PathBuf,
    files: u64,
    bytes: u64,
}

pub fn run(args: CacheArgs) -> Result<ExitCode> {
    let dir = match args.dir {
        Some(dir) => dir,
        None => wasmux::default_cache_dir()?,
    };
    let cache = CompileCache::open(dir);
    match args.command {
        CacheCommand::Ls => ls(&cache, args.json)?,
        CacheCommand::Size => {
            let size = cache.size()?;
            print_size(&cache, size, args.json, "")?;
        }
        CacheCommand::Clean => {
            let removed = cache.clean()?;
            print_size(&cache, removed, args.json, "removed ")?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn ls(cache: &CompileCache, json: bool) -> Result<()> {
    let listed: Vec<Listed> = cache.list()?.into_iter().map(listed).collect();
    if json {
        outln!("{}", serde_json::to_string_pretty(&listed)?);
        return Ok(());
    }
    if listed.is_empty() {
        outln!("no entries in {}", cache.dir().display());
        return Ok(());
    }
    let dash = |s: &Option<String>| s.clone().unwrap_or_else(|| "-".into());
    let rows: Vec<Vec<String>> = listed
        .iter()
        .map(|e| {
            vec![
                e.file.chars().take(16).collect(),
                dash(&e.engine),
                dash(&e.version),
                dash(&e.target),
                dash(&e.module_sha256.as_ref().map(|s| s[..16].to_string())),
                human(e.bytes),
                e.error.clone().unwrap_or_else(|| "ok".into()),
            ]
        })
        .collect();
    table::print(
        &[
            "ENTRY", "ENGINE", "VERSION", "TARGET", "MODULE", "SIZE", "STATUS",
        ],
        &rows,
    );
    Ok(())
}

fn listed(e: ListedEntry) -> Listed {
    let file = e
        .path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    match e.header {
        Ok(h) => Listed {
            file,
            bytes: e.bytes,
            engine: Some(h.key.engine.engine),
            version: Some(h.key.engine.version),
            target: Some(h.key.engine.target),
            module_sha256: Some(
                h.key
                    .module_sha256
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect(),
            ),
            options: Some(h.key.options),
            error: None,
        },
        Err(reason) => Listed {
            file,
            bytes: e.bytes,
            engine: None,
            version: None,
            target: None,
            module_sha256: None,
            options: None,
            error: Some(reason.to_string()),
        },
    }
}

fn print_size(cache: &CompileCache, size: wasmux::CacheSize, json: bool, verb: &str) -> Result<()> {
    if json {
        let size = Size {
            dir: cache.dir().to_path_buf(),
            files: size.files,
            bytes: size.bytes,
        };
        outln!("{}", serde_json::to_string_pretty(&size)?);
    } else {
        outln!(
            "{verb}{} file{}, {} ({} bytes) in {}",
            size.files,
            if size.files == 1 { "" } else { "s" },
            human(size.bytes),
            size.bytes,
            cache.dir().display()
        );
    }
    Ok(())
}

fn human(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["B", "KiB", "MiB", "GiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}
