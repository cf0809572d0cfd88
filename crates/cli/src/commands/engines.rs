use crate::table;
use anyhow::Result;
use clap::Args;
use serde::Serialize;
use std::process::ExitCode;
use wasmux::platform::{self, Availability, CpuFeature, Jit};

/// List the engines in this build: versions, variants, capabilities, and this platform.
#[derive(Args)]
#[command(after_help = "Examples:\n  \
    wasmux engines\n  \
    wasmux engines --json\n  \
    WASMUX_JIT=off wasmux engines     # as a machine that forbids native code sees it\n\n\
    Below the table: the target triple of this build, the CPU features the engines look at\n\
    (SSE4.1, AVX2, NEON...), whether native code may be generated here, and each variant that\n\
    cannot run here with the reason. `--engine auto` picks among those that can.")]
pub struct EnginesArgs {
    /// Machine-readable output.
    #[arg(long)]
    json: bool,
}

#[derive(Serialize)]
struct Report {
    /// The target triple of this build: what native code here is compiled for.
    triple: String,
    cpu_features: Vec<CpuFeature>,
    jit: Jit,
    platform: Platform,
    engines: Vec<EngineRow>,
    /// Variants wasmux knows that this build leaves out (`wasmer:llvm` without `llvm`).
    not_in_build: Vec<Availability>,
}

#[derive(Serialize)]
struct Platform {
    os: &'static str,
    arch: &'static str,
    wasmux: &'static str,
}

#[derive(Serialize)]
struct EngineRow {
    #[serde(flatten)]
    info: wasmux::EngineInfo,
    available: bool,
    /// Why it cannot run here; absent when it can.
    #[serde(skip_serializing_if = "Option::is_none")]
    unavailable_because: Option<String>,
}

pub fn run(args: EnginesArgs) -> Result<ExitCode> {
    let host = platform::host();
    let built = wasmux::engine_names();
    let report = Report {
        triple: host.triple.clone(),
        cpu_features: host.cpu_features.clone(),
        jit: host.jit.clone(),
        platform: Platform {
            os: host.os,
            arch: host.arch,
            wasmux: env!("CARGO_PKG_VERSION"),
        },
        engines: wasmux::all_engines()
            .iter()
            .map(|e| {
                let here = platform::availability(&e.info().name);
                EngineRow {
                    info: e.info().clone(),
                    available: here.available,
                    unavailable_because: here.reason,
                }
            })
            .collect(),
        not_in_build: platform::variants()
            .into_iter()
            .filter(|v| !built.contains(&v.engine))
            .collect(),
    };
    if args.json {
        outln!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(ExitCode::SUCCESS);
    }
    print(&report);
    Ok(ExitCode::SUCCESS)
}

fn print(report: &Report) {
    let yes = |b: bool| if b { "yes" } else { "no" };
    let rows: Vec<Vec<String>> = report
        .engines
        .iter()
        .map(|row| {
            let e = &row.info;
            vec![
                e.name.clone(),
                e.version.clone(),
                e.kind.clone(),
                yes(row.available).into(),
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
            "RUNS-HERE",
            "NATIVE-FUEL",
            "NATIVE-INTERRUPT",
            "SIMD",
            "REFS",
            "LOWERED",
        ],
        &rows,
    );
    let p = &report.platform;
    outln!(
        "\nplatform: {} ({} {}), wasmux {}",
        report.triple,
        p.arch,
        p.os,
        p.wasmux
    );
    if !report.cpu_features.is_empty() {
        let list = |present: bool| {
            let names: Vec<&str> = report
                .cpu_features
                .iter()
                .filter(|f| f.present == present)
                .map(|f| f.name)
                .collect();
            if names.is_empty() {
                "none".to_string()
            } else {
                names.join(" ")
            }
        };
        outln!("cpu features: {}; missing: {}", list(true), list(false));
    }
    match &report.jit.reason {
        None => outln!("native code (JIT, AOT files): allowed"),
        Some(why) => outln!("native code (JIT, AOT files): not allowed: {why}"),
    }
    let unavailable: Vec<(&str, &str)> = report
        .engines
        .iter()
        .filter_map(|r| Some((r.info.name.as_str(), r.unavailable_because.as_deref()?)))
        .chain(
            report
                .not_in_build
                .iter()
                .filter_map(|v| Some((v.engine.as_str(), v.reason.as_deref()?))),
        )
        .collect();
    if !unavailable.is_empty() {
        outln!("not available here:");
        for (name, why) in unavailable {
            outln!("  {name}: {why}");
        }
    }
    outln!(
        "wasmux meters fuel and checks timeouts by rewriting modules on every engine, so counts agree."
    );
}
