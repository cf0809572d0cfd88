//! `wasmux build`: a Rust crate built for wasm32-wasip1 and made small; the work is in
//! `wasmux_devtools::build`.

use crate::progress::Spinner;
use crate::table;
use anyhow::{Context, Result};
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;
use wasmux_devtools::build::{self, BuildOptions, BuildReport, Progress, StripOptions};

/// Build a Rust crate into a small WebAssembly module for `wasmux run`.
#[derive(Args)]
#[command(after_help = "Examples:\n  \
    wasmux build                           the crate here, to target/wasmux/NAME.wasm\n  \
    wasmux build ./hello -o hello.wasm && wasmux run hello.wasm\n  \
    wasmux build --bin server --strip-custom --strip-names\n  \
    wasmux build --debug                   keeps DWARF, for traps with source lines\n  \
    wasmux build --json\n\n\
    cargo builds for wasm32-wasip1 in release with LTO, one codegen unit, panic=abort and\n\
    opt-level \"s\", passed as --config overrides (the project's Cargo.toml is not edited;\n\
    --profile NAME builds a profile of the project's as written). Then, each step shown with\n\
    the size before and after: custom sections stripped when asked, unreachable functions\n\
    dropped, and Binaryen's wasm-opt -Os when one is on PATH or linked in (wasmux built with\n\
    the wasm-opt feature; the newer runs, and the table names it). The module is validated\n\
    after every step. A module that keeps DWARF is not rewritten, so its line tables stay true.\n\
    Needs the target: rustup target add wasm32-wasip1")]
pub struct BuildArgs {
    /// The crate's directory (with its Cargo.toml).
    #[arg(default_value = ".")]
    path: PathBuf,
    /// Where to write the module (default: target/wasmux/NAME.wasm in the crate).
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// The binary to build, where there are several.
    #[arg(long, value_name = "NAME")]
    bin: Option<String>,
    /// Build this cargo profile of the project's as written, without the size overrides.
    #[arg(long, value_name = "NAME")]
    profile: Option<String>,
    /// Keep DWARF debug info (debug = true, no strip), for trap reports with source lines.
    #[arg(long)]
    debug: bool,
    /// Remove DWARF (.debug_* custom sections).
    #[arg(long)]
    strip_debug: bool,
    /// Remove every custom section but `name` (producers, target_features, DWARF...).
    #[arg(long)]
    strip_custom: bool,
    /// Remove the `name` section (function names in backtraces).
    #[arg(long)]
    strip_names: bool,
    /// Never remove this custom section (repeatable).
    #[arg(long, value_name = "NAME")]
    keep_section: Vec<String>,
    /// Do not run Binaryen's wasm-opt even where it is installed.
    #[arg(long)]
    no_wasm_opt: bool,
    /// The report as JSON on stdout.
    #[arg(long)]
    json: bool,
}

pub fn run(args: BuildArgs) -> Result<ExitCode> {
    let opts = BuildOptions {
        path: args.path.clone(),
        output: args.output,
        bin: args.bin,
        profile: args.profile,
        debug: args.debug,
        strip: StripOptions {
            debug: args.strip_debug,
            custom: args.strip_custom,
            names: args.strip_names,
            keep: args.keep_section,
        },
        wasm_opt: !args.no_wasm_opt,
        ..BuildOptions::new(&args.path)
    };
    let spinner = Spinner::always(format!("cargo metadata {}", args.path.display()));
    let mut building = String::new();
    let report = build::build_with(&opts, &mut |progress| match progress {
        Progress::Cargo { target } => {
            building = target.to_string();
            spinner.set_message(format!("building {target}"));
        }
        Progress::CargoLine(line) => {
            spinner.set_message(format!("building {building}: {}", line.trim()));
        }
        Progress::Step(step) => spinner.set_message(format!("{building}: {step}")),
    })
    .with_context(|| format!("wasmux build {}", args.path.display()))?;
    drop(spinner);
    if args.json {
        outln!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print(&report);
    }
    Ok(ExitCode::SUCCESS)
}

fn print(report: &BuildReport) {
    let rows: Vec<Vec<String>> = report
        .steps
        .iter()
        .map(|step| {
            vec![
                step.name.clone(),
                step.before.map_or("-".into(), |b| b.to_string()),
                step.after.to_string(),
                match step.before {
                    Some(before) if step.applied => change(before, step.after),
                    Some(_) => "skipped".into(),
                    None => "-".into(),
                },
                step.note.clone(),
            ]
        })
        .collect();
    table::print(&["STEP", "BEFORE", "AFTER", "CHANGE", "NOTE"], &rows);
    outln!(
        "{}: {} bytes ({} from cargo's {})",
        report.output.display(),
        report.final_size(),
        change(report.cargo_size(), report.final_size()),
        report.cargo_size()
    );
}

/// `-12.3%`, relative to `before`.
fn change(before: u64, after: u64) -> String {
    if before == 0 {
        return "-".into();
    }
    let pct = (after as f64 - before as f64) * 100.0 / before as f64;
    format!("{pct:+.1}%")
}
