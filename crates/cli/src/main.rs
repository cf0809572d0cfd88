//! The `wasmux` command: argument parsing and printing only; the work is in the `wasmux` crate.

mod commands;
mod exit;
mod progress;
mod table;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "wasmux",
    version,
    about = "Run, sandbox, meter and compare WebAssembly on wasmtime, wasmer, wasm3 and wasmi",
    after_help = "Examples:\n  wasmux run examples/fib.wat --invoke fib 20\n  wasmux run --engine wasm3 --fuel 1000000 --stats examples/fib.wat --invoke fib 25\n  wasmux diff examples/fib.wat --invoke fib 20\n  wasmux bench --engine all --parallel 2 examples/fib.wat --invoke fib 20\n  wasmux engines --json"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    // Boxed: run has many flags, and the other commands should not pay for them.
    Run(Box<commands::run::RunArgs>),
    Validate(commands::validate::ValidateArgs),
    Engines(commands::engines::EnginesArgs),
    Diff(commands::diff::DiffArgs),
    Wast(commands::wast::WastArgs),
    Bench(commands::bench::BenchArgs),
    Cache(commands::cache::CacheArgs),
    Compile(commands::compile::CompileArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Run(args) => commands::run::run(*args),
        Command::Validate(args) => commands::validate::run(args),
        Command::Engines(args) => commands::engines::run(args),
        Command::Diff(args) => commands::diff::run(args),
        Command::Wast(args) => commands::wast::run(args),
        Command::Bench(args) => commands::bench::run(args),
        Command::Cache(args) => commands::cache::run(args),
        Command::Compile(args) => commands::compile::run(args),
    };
    match outcome {
        Ok(code) => code,
        Err(err) => exit::report(&err),
    }
}
