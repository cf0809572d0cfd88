use anyhow::Result;
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;

/// Check that modules are valid WebAssembly (every finished proposal enabled).
#[derive(Args)]
#[command(after_help = "Examples:\n  wasmux validate app.wasm\n  wasmux validate a.wat b.wasm")]
pub struct ValidateArgs {
    #[arg(required = true, value_name = "MODULE")]
    modules: Vec<PathBuf>,
}

pub fn run(args: ValidateArgs) -> Result<ExitCode> {
    let mut failed = false;
    for path in &args.modules {
        match wasmux::Module::from_file(path) {
            Ok(m) => outln!("{}: valid ({} bytes)", path.display(), m.bytes().len()),
            Err(e) => {
                eprintln!("error: {e}");
                failed = true;
            }
        }
    }
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
