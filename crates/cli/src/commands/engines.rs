use crate::table;
use anyhow::Result;
use clap::Args;
use serde::Serialize;
use std::process::ExitCode;

/// List the engines in this build: versions, variants, capabilities, and this platform.
#[derive(Args)]
#[command(after_help = "Examples:\n  wasmux engines\n  wasmux engines --json")]
pub struct EnginesArgs {
    /// Machine-readable output.
    #[arg(long)]
    json: bool,
}

#[derive(Serialize)]
struct Report {
    platform: Platform,
    engines: Vec<wasmux::EngineInfo>,
}

#[derive(Serialize)]
struct Platform {
    os: &'static str,
    arch: &'static str,
    wasmux: &'static str,
}

pub fn run(args: EnginesArgs) -> Result<ExitCode> {
    let report = Report {
        platform: Platform {
            os: std::env::consts::OS,
            arch: std::env::consts::ARCH,
            wasmux: env!("CARGO_PKG_VERSION"),
        },
        engines: wasmux::all_engines()
            .iter()
            .map(|e| e.info().clone())
            .collect(),
    };
    if args.json {
        outln!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(ExitCode::SUCCESS);
    }
    let yes = |b: bool| if b { "yes" } else { "no" };
    let rows: Vec<Vec<String>> = report
        .engines
        .iter()
        .map(|e| {
            vec![
                e.name.clone(),
                e.version.clone(),
                e.kind.clone(),
                yes(e.caps.native_fuel).into(),
                yes(e.caps.native_interrupt).into(),
                yes(e.caps.simd).into(),
                yes(e.caps.reference_types).into(),
                yes(e.caps.needs_lowering).into(),
            ]
        })
        .collect();
    table::print(
        &[
            "ENGINE",
            "VERSION",
            "KIND",
            "NATIVE-FUEL",
            "NATIVE-INTERRUPT",
            "SIMD",
            "REFS",
            "LOWERED",
        ],
        &rows,
    );
    outln!(
        "\nplatform: {}-{}, wasmux {}. wasmux meters fuel and checks timeouts by rewriting modules on every engine, so counts agree.",
        report.platform.arch, report.platform.os, report.platform.wasmux
    );
    Ok(ExitCode::SUCCESS)
}
