use anyhow::{anyhow, Context, Result};
use clap::Args;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use wasmux_devtools::disasm::{self, Function, Options};
use wasmux_devtools::inspect;
use wasmux_devtools::InspectErrorKind;

/// Print a module, or one of its functions, in the WebAssembly text format.
#[derive(Args)]
#[command(after_help = "Examples:\n  \
    wasmux disasm app.wasm\n  \
    wasmux disasm app.wasm --function main\n  \
    wasmux disasm app.wasm --function 12 --offsets\n  \
    wasmux disasm app.wasm > app.wat")]
pub struct DisasmArgs {
    /// The module: .wasm or .wat.
    #[arg(value_name = "MODULE")]
    module: PathBuf,
    /// Only this function: its name (from the name section, or an export's), or its index in
    /// the function index space (imported functions first).
    #[arg(long, value_name = "NAME|INDEX")]
    function: Option<String>,
    /// Start each line with its byte offset in the binary, as `(;@1a;)`.
    #[arg(long)]
    offsets: bool,
}

pub fn run(args: DisasmArgs) -> Result<ExitCode> {
    let path = &args.module;
    let shown = path.display().to_string();
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {shown}"))?;
    let options = Options {
        offsets: args.offsets,
    };
    let text = inspect::binary_of_file(&bytes, path).and_then(|binary| match &args.function {
        None => disasm::module(&binary, options),
        Some(f) => disasm::function(&binary, &Function::parse(f), options),
    });
    let text = text.map_err(|e| match e.kind() {
        InspectErrorKind::UnknownFunction { .. }
        | InspectErrorKind::FunctionIndexOutOfRange { .. } => anyhow!(
            "{shown}: {e}; `wasmux inspect {shown}` lists the functions by size with their \
             names, and `wasmux disasm {shown}` prints them all"
        ),
        _ => anyhow::Error::new(e).context(shown.clone()),
    })?;
    // A closed pipe (`| head`) ends the output, not the program with a panic.
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(ExitCode::SUCCESS),
    }
}
