use anyhow::Result;
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;

/// Run WebAssembly spec test scripts (.wast) on one engine.
#[derive(Args)]
#[command(after_help = "Examples:\n  \
    wasmux wast --engine wasmi i32.wast\n  \
    wasmux wast --engine wasm3 spec/*.wast\n\n\
    Prints every failed directive as FILE:LINE:COL, then a line `N passed, N failed`; exit status 1 if anything failed.")]
pub struct WastArgs {
    /// Engine variant (see `wasmux engines`). Default: wasmtime where native code may run,
    /// else wasmi.
    #[arg(long, default_value = wasmux::platform::default_engine())]
    engine: String,
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
}

pub fn run(args: WastArgs) -> Result<ExitCode> {
    let engine = wasmux::engine(&args.engine)?;
    let (mut passed, mut failed) = (0, 0);
    for file in &args.files {
        let report = wasmux::wast::run_script(&engine, file);
        print!("{report}");
        passed += report.passed();
        failed += report.failed();
    }
    outln!("{passed} passed, {failed} failed");
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
