//! `wasmux compile`: a module compiled ahead of time into a file `wasmux run` loads without
//! compiling, for this machine or another.

use super::limits::LimitArgs;
use crate::progress::{self, Spinner};
use anyhow::{Context, Result};
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;
use wasmux::{Module, Runtime};

/// Compile a module ahead of time into a file `wasmux run` accepts in its place.
#[derive(Args)]
#[command(after_help = "Examples:\n  \
    wasmux compile app.wasm -o app.cwasm && wasmux run app.cwasm\n  \
    wasmux compile --engine wasmer app.wasm -o app.wasmer.cwasm\n  \
    wasmux compile --fuel 1000000 app.wasm -o app.metered.cwasm\n  \
    wasmux compile --target aarch64-unknown-linux-gnu app.wasm -o app.arm64.cwasm\n\n\
    The file is for one engine, engine version and target, and for the limits given here\n\
    (fuel metering on or off, timeout checks, the memory cap): `wasmux run` refuses it with\n\
    another engine, on another platform, or with other limit flags, naming both sides.\n\
    Only wasmtime and wasmer variants write compiled code; wasmtime (Cranelift and Winch)\n\
    also compiles for other targets, and wasmtime:pulley for pulley32/pulley64.")]
pub struct CompileArgs {
    /// Engine variant (see `wasmux engines`).
    #[arg(long, default_value = "wasmtime")]
    engine: String,
    /// Compile for this target triple instead of this machine.
    #[arg(long, value_name = "TRIPLE")]
    target: Option<String>,
    #[command(flatten)]
    limits: LimitArgs,
    /// Where to write the compiled module.
    #[arg(short, long, value_name = "FILE")]
    output: PathBuf,
    /// A .wasm or .wat file.
    module: PathBuf,
}

pub fn run(args: CompileArgs) -> Result<ExitCode> {
    let bytes = std::fs::metadata(&args.module).map_or(0, |m| m.len());
    let spinner = Spinner::for_module(
        bytes,
        format!(
            "compiling {} ({}) on {}",
            args.module.display(),
            progress::size(bytes),
            args.engine
        ),
    );
    let module = Module::from_file(&args.module)?;
    let runtime = Runtime::builder()
        .engine(&args.engine)
        .limits(args.limits.limits())
        .build()?;
    let (key, entry) = runtime
        .compile_artifact(&module, args.target.as_deref())
        .with_context(|| format!("cannot compile {}", args.module.display()))?;
    wasmux::write_aot(&args.output, &key, &entry)?;
    drop(spinner);
    eprintln!(
        "{}: {} for {}; {}",
        args.output.display(),
        progress::size(entry.artifact.len() as u64),
        key.engine,
        key.options
    );
    Ok(ExitCode::SUCCESS)
}
