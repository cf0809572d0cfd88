use super::profile::read_symbols;
use super::run::{self, RunArgs};
use anyhow::{Context, Result};
use clap::Args;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use wasmux_devtools::trace::{Filter, TraceOptions, Tracer};

/// Run a module and print every function entry and exit, with arguments and results, and
/// every call to a host function, as they happen. The same on every engine.
#[derive(Args)]
#[command(after_help = "Examples:\n  \
    wasmux trace examples/fib.wat --invoke fib 3\n  \
    wasmux trace --filter fib --max-events 50 --engine wasmi examples/fib.wat --invoke fib 10\n  \
    wasmux trace --filter 'wasi_snapshot_preview1::fd_*' app.wasm\n  \
    wasmux trace --json --output trace.jsonl app.wasm\n\n\
    Lines: `-> f(args)` on entry, `<- f = result` on exit, `=> host::f(args)` and\n\
    `<= host::f = result` around calls to host functions (imports), indented by depth.\n\
    Values print as their type says; v128 and references print as their type only. A\n\
    --filter without `*` matches names that contain it; with `*`, as a glob. Calls through a\n\
    table to a host function are not shown. All of `wasmux run`'s flags apply.")]
pub struct TraceArgs {
    /// Show only functions whose name matches (repeatable).
    #[arg(long, value_name = "PATTERN")]
    filter: Vec<String>,
    /// Write at most this many events; the rest are counted.
    #[arg(long, value_name = "N", default_value_t = 10_000)]
    max_events: u64,
    /// Leave out calls to host functions.
    #[arg(long)]
    no_host_calls: bool,
    /// JSON lines instead of indented text.
    #[arg(long)]
    json: bool,
    /// Write the trace to FILE instead of stderr.
    #[arg(long, value_name = "FILE")]
    output: Option<PathBuf>,
    #[command(flatten)]
    run: RunArgs,
}

pub fn run(args: TraceArgs) -> Result<ExitCode> {
    let symbols = read_symbols(args.run.module());
    let out: Box<dyn Write + Send> = match &args.output {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path)
                .with_context(|| format!("cannot write {}", path.display()))?,
        )),
        None => Box::new(std::io::stderr()),
    };
    let options = TraceOptions {
        filter: Filter::new(args.filter),
        max_events: args.max_events,
        json: args.json,
        host_calls: !args.no_host_calls,
    };
    let tracer = Tracer::new(symbols, out, options);
    let outcome = run::run_with(
        args.run,
        &run::Hooks {
            extend: &|builder| tracer.install(builder),
            after: &|_, _| {},
        },
    );
    tracer.finish().context("cannot write the trace")?;
    outcome
}
