use super::limits::LimitArgs;
use anyhow::{bail, Context, Result};
use clap::{Args, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;
use wasmux::{ExportKind, Instance, Module, Runtime, UnknownImports};

/// Run a module: its `_start` (a command), or one exported function with --invoke.
#[derive(Args)]
#[command(after_help = "Examples:\n  \
    wasmux run examples/fib.wat --invoke fib 20\n  \
    wasmux run --engine wasm3 --fuel 100000 --stats examples/fib.wat --invoke fib 30\n  \
    wasmux run --timeout 1s --max-memory 16MiB app.wasm\n\n\
    Exit status: 0 on success, the guest's own status if it exits, 134 on a trap, 1 on any other error.")]
pub struct RunArgs {
    /// Engine variant (see `wasmux engines`).
    #[arg(long, default_value = "wasmtime")]
    engine: String,
    /// Call this exported function instead of `_start`; ARGS are its arguments.
    #[arg(long, value_name = "FUNC")]
    invoke: Option<String>,
    #[command(flatten)]
    limits: LimitArgs,
    /// Print one JSON line of statistics to stderr when the call ends.
    #[arg(long)]
    stats: bool,
    /// What to link for imports nothing provides.
    #[arg(long, value_enum, value_name = "HOW")]
    unknown_imports: Option<UnknownImportsArg>,
    /// A .wasm or .wat file.
    module: PathBuf,
    /// Arguments for the invoked function.
    #[arg(allow_hyphen_values = true)]
    args: Vec<String>,
}

#[derive(Clone, Copy, ValueEnum)]
enum UnknownImportsArg {
    /// Trap when the import is called.
    Trap,
    /// Return zeros.
    Default,
}

pub fn run(args: RunArgs) -> Result<ExitCode> {
    let module = Module::from_file(&args.module)?;
    let mut builder = Runtime::builder()
        .engine(&args.engine)
        .limits(args.limits.limits());
    if let Some(how) = args.unknown_imports {
        builder = builder.unknown_imports(match how {
            UnknownImportsArg::Trap => UnknownImports::Trap,
            UnknownImportsArg::Default => UnknownImports::Default,
        });
    }
    let runtime = builder.build()?;
    let mut instance = runtime
        .instantiate(&module)
        .with_context(|| format!("cannot instantiate {}", args.module.display()))?;
    let func = entry_point(&instance, args.invoke.as_deref(), &args.args)?;
    let result = instance.call_with_strings(&func, &args.args);
    if args.stats {
        eprintln!("{}", serde_json::to_string(instance.last_call_stats())?);
    }
    for value in result? {
        println!("{value}");
    }
    Ok(ExitCode::SUCCESS)
}

fn entry_point(instance: &Instance, invoke: Option<&str>, args: &[String]) -> Result<String> {
    if let Some(func) = invoke {
        return Ok(func.to_string());
    }
    if instance.func_type("_start").is_some() {
        if !args.is_empty() {
            bail!("arguments for a command module need WASI, which this build does not provide yet; use --invoke FUNC to pass arguments to a function");
        }
        return Ok("_start".to_string());
    }
    let funcs: Vec<String> = instance
        .exports()
        .into_iter()
        .filter(|e| e.kind == ExportKind::Func)
        .map(|e| e.name)
        .collect();
    bail!(
        "the module has no `_start`; choose a function with --invoke FUNC (exported functions: {})",
        if funcs.is_empty() {
            "none".to_string()
        } else {
            funcs.join(", ")
        }
    )
}
