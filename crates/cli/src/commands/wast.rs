use anyhow::Result;
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;

/// Run WebAssembly spec test scripts (.wast) on one engine.
#[derive(Args)]
#[command(after_help = "Examples:\n  wasmux wast --engine wasmi tests/i32.wast\n  wasmux wast --engine wasm3 *.wast\n\nEnds with a line `N passed, N failed`; exit status 1 if anything failed.")]
pub struct WastArgs {
    #[arg(long, default_value = "wasmtime")]
    engine: String,
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
}

pub fn run(_args: WastArgs) -> Result<ExitCode> {
    anyhow::bail!("not yet")
}
