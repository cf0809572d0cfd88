use super::run::{self, RunArgs};
use crate::table;
use anyhow::{Context, Result};
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;
use wasmux_devtools::profile::{calibrate, Profile, Profiler};
use wasmux_devtools::Symbols;

/// Run a module and show where its time went: per function, calls, self and total time; a
/// flame graph; folded stacks. The same on every engine.
#[derive(Args)]
#[command(after_help = "Examples:\n  \
    wasmux profile examples/fib.wat --invoke fib 25\n  \
    wasmux profile --engine wasm3 --flamegraph fib.svg examples/fib.wat --invoke fib 25\n  \
    wasmux profile --folded app.folded --top 30 app.wasm input.txt\n  \
    wasmux profile --json --stdout null app.wasm > profile.json\n\n\
    Every function's entry and exit (and every call to a host function) calls a probe that\n\
    wasmux adds to the module, so call counts are exact and the same on every engine. The\n\
    probes take time of their own: the report states how much, measured on a loop of calls\n\
    on the same engine, and what the run would have taken without them. Times are wall\n\
    clock, the probes' share included. The report is printed when the guest ends, also when\n\
    it traps; its own output comes first (--stdout FILE keeps it apart). All of `wasmux\n\
    run`'s flags apply.")]
pub struct ProfileArgs {
    /// Write an SVG flame graph of self time by stack.
    #[arg(long, value_name = "OUT.svg")]
    flamegraph: Option<PathBuf>,
    /// Write the folded stacks (`a;b;c NANOSECONDS` per line), for other flame graph tools.
    #[arg(long, value_name = "FILE")]
    folded: Option<PathBuf>,
    /// How many functions the table lists, most self time first.
    #[arg(long, value_name = "N", default_value_t = 15)]
    top: usize,
    /// The whole profile as one JSON document instead of the table.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    run: RunArgs,
}

pub fn run(args: ProfileArgs) -> Result<ExitCode> {
    let symbols = read_symbols(args.run.module());
    let engine = args.run.engine().to_string();
    let module = args.run.module().display().to_string();
    let profiler = Profiler::new();
    let ProfileArgs {
        flamegraph,
        folded,
        top,
        json,
        run: run_args,
    } = args;
    let outcome = run::run_with(run_args, &|builder| profiler.install(builder));
    let mut profile = profiler.profile(&symbols);
    // The cost of a probe, measured now that the guest is done, so as not to disturb it.
    profile.overhead.ns_per_probe = calibrate(&engine).ok();
    let title = format!("{module} on {engine}");
    let written = write_files(&profile, &title, folded, flamegraph);
    if json {
        outln!("{}", serde_json::to_string_pretty(&profile)?);
    } else {
        print_table(&profile, top, &module, &engine);
    }
    written?;
    outcome
}

/// The user's module's function names and types; a registry package, or a file that cannot
/// be read, gets numbered names (the run itself reports what is wrong with it).
pub fn read_symbols(path: &std::path::Path) -> Symbols {
    std::fs::read(path)
        .ok()
        .and_then(|bytes| {
            wasmux_devtools::inspect::binary(&bytes)
                .ok()
                .map(|b| Symbols::read(&b))
        })
        .unwrap_or_default()
}

fn write_files(
    profile: &Profile,
    title: &str,
    folded: Option<PathBuf>,
    flamegraph: Option<PathBuf>,
) -> Result<()> {
    if let Some(path) = &folded {
        std::fs::write(path, profile.folded())
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    if let Some(path) = &flamegraph {
        let svg = profile
            .flamegraph(title)
            .with_context(|| format!("cannot write {}", path.display()))?;
        std::fs::write(path, svg).with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}

fn print_table(profile: &Profile, top: usize, module: &str, engine: &str) {
    let calls: u64 = profile.functions.iter().map(|f| f.calls).sum();
    outln!(
        "profile of {module} on {engine}: {} in the guest, {} calls of {} functions",
        time(profile.wall_ns),
        calls,
        profile.functions.len()
    );
    let wall = profile.wall_ns.max(1) as f64;
    let rows: Vec<Vec<String>> = profile
        .top(top)
        .iter()
        .map(|f| {
            vec![
                time(f.self_ns),
                format!("{:.1}%", 100.0 * f.self_ns as f64 / wall),
                time(f.total_ns),
                f.calls.to_string(),
                if f.host {
                    format!("{} (host)", f.name)
                } else {
                    f.name.clone()
                },
            ]
        })
        .collect();
    table::print(&["self", "self %", "total", "calls", "function"], &rows);
    outln!("{}", overhead(profile));
}

/// The probes' cost, in words.
fn overhead(profile: &Profile) -> String {
    let o = &profile.overhead;
    match (o.ns_per_probe, o.estimated_ns()) {
        (Some(each), Some(spent))
            if spent.saturating_mul(10) >= profile.wall_ns.saturating_mul(9) =>
        {
            format!(
                "overhead: {} probe calls at about {each:.1} ns each, about {}: nearly all of the \
                 {} measured is the probes' own (the guest does little but call functions)",
                o.probe_calls,
                time(spent),
                time(profile.wall_ns)
            )
        }
        (Some(each), Some(spent)) => {
            let without = profile.wall_ns.saturating_sub(spent);
            let factor = profile.wall_ns as f64 / without.max(1) as f64;
            format!(
                "overhead: {} probe calls at about {each:.1} ns each, about {} of the {} measured; \
                 without them the run would take about {} (profiling made it {factor:.2}x slower)",
                o.probe_calls,
                time(spent),
                time(profile.wall_ns),
                time(without)
            )
        }
        _ => format!(
            "overhead: {} probe calls (their cost could not be measured)",
            o.probe_calls
        ),
    }
}

/// A duration in the unit that suits it.
fn time(ns: u64) -> String {
    match ns {
        0..=999 => format!("{ns} ns"),
        1_000..=999_999 => format!("{:.1} µs", ns as f64 / 1e3),
        1_000_000..=999_999_999 => format!("{:.1} ms", ns as f64 / 1e6),
        _ => format!("{:.2} s", ns as f64 / 1e9),
    }
}
