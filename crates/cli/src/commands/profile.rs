use super::run::{self, RunArgs};
use crate::table;
use anyhow::{Context, Result};
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;
use wasmux::parse_duration;
use wasmux_devtools::profile::{calibrate, Method, Profile, Profiler, Sampler};
use wasmux_devtools::Symbols;

/// Run a module and show where its time went: per function, calls, self and total time; a
/// flame graph; folded stacks. The same on every engine.
#[derive(Args)]
#[command(after_help = "Examples:\n  \
    wasmux profile examples/fib.wat --invoke fib 25\n  \
    wasmux profile --engine wasm3 --flamegraph fib.svg examples/fib.wat --invoke fib 25\n  \
    wasmux profile --folded app.folded --top 30 app.wasm input.txt\n  \
    wasmux profile --json --stdout null app.wasm > profile.json\n  \
    wasmux profile --exact examples/fib.wat --invoke fib 20\n\n\
    wasmux adds code to the module that counts every function's calls and keeps the depth\n\
    of the stack in the guest's own globals, and samples the stack at a steady pace\n\
    (--interval): call counts are exact and the same on every engine; times are estimates\n\
    from the samples, host calls timed exactly. --exact instead calls into wasmux at every\n\
    entry and exit: exact times per call path, at a cost of 10 to 100 times the run on\n\
    call-heavy code. Either way the report states what the added code cost, measured on a\n\
    loop of calls on the same engine, and what the run would have taken without it. Frames\n\
    a trap or an exit left running show as [unknown]. The report is printed when the guest\n\
    ends, also when it traps; its own output comes first (--stdout FILE keeps it apart).\n\
    All of `wasmux run`'s flags apply.")]
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
    /// Time every call exactly (a call into wasmux at every entry and exit) instead of
    /// sampling: much slower on call-heavy code.
    #[arg(long)]
    exact: bool,
    /// Guest time between samples, e.g. 100us or 1ms.
    #[arg(long, value_name = "DUR", value_parser = parse_duration, conflicts_with = "exact",
          default_value = "100us")]
    interval: Duration,
    #[command(flatten)]
    run: RunArgs,
}

pub fn run(args: ProfileArgs) -> Result<ExitCode> {
    let symbols = read_symbols(args.run.module());
    let engine = args.run.engine().to_string();
    let module = args.run.module().display().to_string();
    let ProfileArgs {
        flamegraph,
        folded,
        top,
        json,
        exact,
        interval,
        run: run_args,
    } = args;
    let (outcome, mut profile) = if exact {
        let profiler = Profiler::new();
        let hooks = run::Hooks {
            extend: &|builder| profiler.install(builder),
            after: &|_, _| profiler.unwind(),
        };
        let outcome = run::run_with(run_args, &hooks);
        (outcome, profiler.profile(&symbols))
    } else {
        let sampler = Sampler::with_interval(interval.max(Duration::from_nanos(1)), None);
        let failed = std::cell::Cell::new(None);
        let hooks = run::Hooks {
            extend: &|builder| sampler.install(builder),
            after: &|instance, error| {
                if let Some(backtrace) = error.and_then(wasmux::Error::backtrace) {
                    sampler.name_from(backtrace);
                }
                if let Err(e) = sampler.collect(instance) {
                    failed.set(Some(e));
                }
            },
        };
        let outcome = run::run_with(run_args, &hooks);
        if let Some(e) = failed.take() {
            eprintln!("warning: the call counts could not be read from the guest: {e}");
        }
        (outcome, sampler.profile(&symbols))
    };
    let method = profile.overhead.method;
    // The probes' cost, measured now that the guest is done, so as not to disturb it.
    profile.overhead.ns_per_probe = calibrate(&engine, method).ok();
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
    let what = match o.method {
        Method::Exact => "probe calls",
        Method::Sampled => "calls counted",
    };
    let sampled = match o.method {
        Method::Exact => String::new(),
        Method::Sampled => format!("; {} samples", o.samples),
    };
    let said = overhead_of(profile, what);
    format!("{said}{sampled}")
}

fn overhead_of(profile: &Profile, what: &str) -> String {
    let o = &profile.overhead;
    match (o.ns_per_probe, o.estimated_ns()) {
        (Some(each), Some(spent))
            if spent.saturating_mul(10) >= profile.wall_ns.saturating_mul(9) =>
        {
            format!(
                "overhead: {} {what} at about {each:.1} ns each, about {}: nearly all of the \
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
                "overhead: {} {what} at about {each:.1} ns each, about {} of the {} measured; \
                 without them the run would take about {} (profiling made it {factor:.2}x slower)",
                o.probe_calls,
                time(spent),
                time(profile.wall_ns),
                time(without)
            )
        }
        _ => format!(
            "overhead: {} {what} (their cost could not be measured)",
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
