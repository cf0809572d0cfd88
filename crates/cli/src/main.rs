//! The `wasmux` command: argument parsing and printing only; the work is in the `wasmux` crate.

/// `println!` for what the command prints on stdout: when the reader has gone (`wasmux
/// inspect app.wasm | head`), the command ends quietly with status 0, as `head` expects of a
/// producer, instead of panicking on the broken pipe.
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::out::line(format_args!($($arg)*))
    };
}

mod commands;
mod exit;
mod out;
mod progress;
mod table;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "wasmux",
    version,
    about = "Run, sandbox, meter and compare WebAssembly on wasmtime, wasmer, wasm3 and wasmi",
    after_help = "Examples:\n  wasmux run examples/fib.wat --invoke fib 20\n  wasmux run --engine wasm3 --fuel 1000000 --stats examples/fib.wat --invoke fib 25\n  wasmux diff examples/fib.wat --invoke fib 20\n  wasmux bench --engine all --parallel 2 examples/fib.wat --invoke fib 20\n  wasmux engines --json\n  wasmux inspect app.wasm\n  wasmux disasm app.wasm --function main\n  wasmux build ./hello && wasmux run hello/target/wasmux/hello.wasm\n  wasmux profile --flamegraph fib.svg examples/fib.wat --invoke fib 25\n  wasmux trace --filter fib examples/fib.wat --invoke fib 3\n  wasmux publish ./math && wasmux run acme/math@^1 2 3"
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
    Inspect(commands::inspect::InspectArgs),
    Disasm(commands::disasm::DisasmArgs),
    Profile(Box<commands::profile::ProfileArgs>),
    Trace(Box<commands::trace::TraceArgs>),
    Engines(commands::engines::EnginesArgs),
    Diff(commands::diff::DiffArgs),
    Wast(commands::wast::WastArgs),
    Bench(commands::bench::BenchArgs),
    Build(commands::build::BuildArgs),
    Cache(commands::cache::CacheArgs),
    Compile(commands::compile::CompileArgs),
    Publish(commands::publish::PublishArgs),
    List(commands::packages::ListArgs),
    Info(commands::packages::InfoArgs),
    Yank(commands::packages::YankArgs),
    Verify(commands::maintain::VerifyArgs),
    Gc(commands::maintain::GcArgs),
    Update(commands::update::UpdateArgs),
    Key(commands::key::KeyArgs),
    Registry(commands::registry_serve::RegistryArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Run(args) => commands::run::run(*args),
        Command::Validate(args) => commands::validate::run(args),
        Command::Inspect(args) => commands::inspect::run(args),
        Command::Disasm(args) => commands::disasm::run(args),
        Command::Profile(args) => commands::profile::run(*args),
        Command::Trace(args) => commands::trace::run(*args),
        Command::Engines(args) => commands::engines::run(args),
        Command::Diff(args) => commands::diff::run(args),
        Command::Wast(args) => commands::wast::run(args),
        Command::Bench(args) => commands::bench::run(args),
        Command::Build(args) => commands::build::run(args),
        Command::Cache(args) => commands::cache::run(args),
        Command::Compile(args) => commands::compile::run(args),
        Command::Publish(args) => commands::publish::run(args),
        Command::List(args) => commands::packages::list(args),
        Command::Info(args) => commands::packages::info(args),
        Command::Yank(args) => commands::packages::yank(args),
        Command::Verify(args) => commands::maintain::verify(args),
        Command::Gc(args) => commands::maintain::gc(args),
        Command::Update(args) => commands::update::run(args),
        Command::Key(args) => commands::key::run(args),
        Command::Registry(args) => commands::registry_serve::run(args),
    };
    match outcome {
        Ok(code) => code,
        Err(err) => exit::report(&err),
    }
}
