//! `wasmux bench`: one function called many times, over threads, on one engine or all, with
//! throughput and latency percentiles.

use super::cache_args::{self, CacheArgs};
use super::limits::LimitArgs;
use crate::table;
use anyhow::{bail, Context, Result};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};
use wasmux::auto::{self, Calls};
use wasmux::wasi::{Stdio, WasiCtx};
use wasmux::{Module, PreparedModule, Runtime, Val};

/// Measure a function's throughput and latency: many calls over threads, per engine.
#[derive(Args)]
#[command(after_help = "Examples:\n  \
    wasmux bench examples/fib.wat --invoke fib 20\n  \
    wasmux bench --engine all --parallel 2 --iterations 10000 examples/fib.wat --invoke fib 15\n  \
    wasmux bench --engine wasmtime,wasmi --json examples/fib.wat --invoke fib 20\n  \
    wasmux bench --fresh-instance app.wasm\n  \
    wasmux bench --fresh-instance --pool examples/fib.wat --invoke fib 1\n\n\
    Each worker thread keeps one instance for all its calls unless --fresh-instance asks for\n\
    a new one per call (always so for `_start`, which a command runs once). Latency is the\n\
    call alone; throughput is calls per second of wall time, instantiation included. Guests\n\
    importing WASI get a context each, with nothing granted and output discarded.")]
pub struct BenchArgs {
    /// The exported function to call; its arguments follow the module. Default: `_start`.
    #[arg(long, value_name = "FUNC")]
    invoke: Option<String>,
    /// Engine variants, comma-separated, `all` (see `wasmux engines`), or `auto`. Default:
    /// wasmtime where native code may run, else wasmi.
    #[arg(long, value_delimiter = ',', default_value = wasmux::platform::default_engine())]
    engine: Vec<String>,
    /// Worker threads.
    #[arg(long, value_name = "N", default_value_t = 1)]
    parallel: usize,
    /// Measured calls per engine.
    #[arg(long, value_name = "M", default_value_t = 1000)]
    iterations: usize,
    /// Calls made first and not measured, so that lazy compilation and caches settle.
    #[arg(long, value_name = "K", default_value_t = 10)]
    warmup: usize,
    /// A new instance for every call.
    #[arg(long)]
    fresh_instance: bool,
    /// Take instances from a pool (on wasmtime its pooling allocator, with copy-on-write
    /// memory images), with as many slots as threads.
    #[arg(long)]
    pool: bool,
    #[command(flatten)]
    limits: LimitArgs,
    #[command(flatten)]
    cache: CacheArgs,
    /// Machine-readable output: one object per engine.
    #[arg(long)]
    json: bool,
    /// A .wasm or .wat file.
    module: PathBuf,
    /// The function's arguments.
    #[arg(allow_hyphen_values = true)]
    args: Vec<String>,
}

#[derive(Serialize)]
struct Figures {
    engine: String,
    parallel: usize,
    iterations: usize,
    compile_ms: f64,
    instantiate_us: f64,
    throughput_per_s: f64,
    p50_us: f64,
    p90_us: f64,
    p99_us: f64,
    errors: usize,
}

pub fn run(args: BenchArgs) -> Result<ExitCode> {
    if args.parallel == 0 || args.iterations == 0 {
        bail!("--parallel and --iterations must be at least 1");
    }
    let module = Module::from_file(&args.module)?;
    let engines = if args.engine.iter().any(|e| e == "all") {
        wasmux::engine_names()
    } else {
        // Many calls: `auto` picks what runs them fastest.
        let auto = || {
            let cache = args.cache.cache();
            let limits = args.limits.limits();
            auto::choose(module.bytes(), Calls::Many, cache.as_ref(), &limits, false).engine
        };
        args.engine
            .iter()
            .map(|e| {
                if e == "auto" {
                    auto().to_string()
                } else {
                    e.clone()
                }
            })
            .collect()
    };
    let bar = progress_bar((args.iterations * engines.len()) as u64);
    let mut rows = Vec::new();
    for engine in &engines {
        bar.set_message(engine.clone());
        let figures =
            bench_one(&args, &module, engine, &bar).with_context(|| format!("on {engine}"))?;
        rows.push(figures);
    }
    bar.finish_and_clear();
    if args.json {
        outln!("{}", serde_json::to_string_pretty(&rows)?);
    } else {
        print_table(&rows);
    }
    Ok(if rows.iter().any(|r| r.errors > 0) {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn progress_bar(total: u64) -> ProgressBar {
    let bar = ProgressBar::new(total);
    // The template is fixed and valid; should indicatif refuse it, the default is fine.
    if let Ok(style) = ProgressStyle::with_template("{msg:16} {bar:40} {pos}/{len} calls ({eta})") {
        bar.set_style(style);
    }
    bar
}

fn bench_one(
    args: &BenchArgs,
    module: &Module,
    engine: &str,
    bar: &ProgressBar,
) -> Result<Figures> {
    let argv: Vec<String> = std::iter::once(module.name().to_string())
        .chain(args.args.iter().cloned())
        .collect();
    let mut builder = Runtime::builder();
    if args.pool {
        // One slot per worker, and one for the instance that reads the signature.
        builder = builder.pool(args.parallel as u32 + 1);
    }
    let runtime = args
        .cache
        .apply(builder)
        .engine(engine)
        .limits(args.limits.limits())
        .wasi(move || {
            Ok::<_, std::convert::Infallible>(
                WasiCtx::new()
                    .args(argv.clone())
                    .stdout(Stdio::Null)
                    .stderr(Stdio::Null),
            )
        })
        .build()?;
    let prepared = cache_args::prepare(&runtime, &args.module)?;
    let func = args.invoke.clone().unwrap_or_else(|| "_start".to_string());
    let params = params(&prepared, &func, &args.args)?;
    let fresh = args.fresh_instance || func == "_start";
    let call = |instance: &mut wasmux::Instance, _: usize| {
        let started = Instant::now();
        let result = instance.call(&func, &params);
        let took = started.elapsed();
        match result {
            // A command ending with `proc_exit(0)` finished normally.
            Ok(_) | Err(wasmux::Error::Exit(0)) => Ok(took),
            Err(e) => Err(e),
        }
    };
    let batch = prepared
        .batch()
        .threads(args.parallel)
        .fresh_instance_per_job(fresh);
    batch.run(args.warmup, call);
    let before = runtime.metrics();
    let started = Instant::now();
    let results = batch.run(args.iterations, |instance, job| {
        let result = call(instance, job);
        bar.inc(1);
        result
    });
    let wall = started.elapsed();
    let after = runtime.metrics();
    let mut latencies: Vec<Duration> = Vec::with_capacity(results.len());
    let mut errors = Vec::new();
    for result in results {
        match result {
            Ok(took) => latencies.push(took),
            Err(e) => errors.push(e),
        }
    }
    if latencies.is_empty() {
        let first = errors.into_iter().next().expect("iterations >= 1");
        return Err(anyhow::Error::from(first).context(format!("every call of `{func}` failed")));
    }
    if let Some(first) = errors.first() {
        bar.suspend(|| {
            eprintln!(
                "{engine}: {} of the calls failed; the first: {first}",
                errors.len()
            )
        });
    }
    latencies.sort_unstable();
    let instances = after.instances - before.instances;
    let micros = |d: Duration| d.as_secs_f64() * 1e6;
    Ok(Figures {
        engine: engine.to_string(),
        parallel: args.parallel,
        iterations: args.iterations,
        compile_ms: prepared.compile_time().as_secs_f64() * 1e3,
        instantiate_us: if instances == 0 {
            0.0
        } else {
            (after.instantiate_ns - before.instantiate_ns) as f64 / 1e3 / instances as f64
        },
        throughput_per_s: args.iterations as f64 / wall.as_secs_f64(),
        p50_us: micros(percentile(&latencies, 50.0)),
        p90_us: micros(percentile(&latencies, 90.0)),
        p99_us: micros(percentile(&latencies, 99.0)),
        errors: errors.len(),
    })
}

/// The function's arguments parsed against its signature, before anything is timed.
fn params(prepared: &PreparedModule, func: &str, args: &[String]) -> Result<Vec<Val>> {
    let instance = prepared.instantiate()?;
    if func == "_start" {
        // A command reads its arguments through WASI; still, it must have a `_start`.
        instance.func(func)?;
        return Ok(Vec::new());
    }
    Ok(instance.parse_args(func, args)?)
}

/// The nearest-rank percentile of sorted samples.
fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn print_table(rows: &[Figures]) {
    let header = [
        "engine",
        "threads",
        "calls",
        "compile",
        "instantiate",
        "calls/s",
        "p50",
        "p90",
        "p99",
    ];
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.engine.clone(),
                r.parallel.to_string(),
                r.iterations.to_string(),
                format!("{:.1} ms", r.compile_ms),
                format!("{:.1} µs", r.instantiate_us),
                format!("{:.0}", r.throughput_per_s),
                format!("{:.1} µs", r.p50_us),
                format!("{:.1} µs", r.p90_us),
                format!("{:.1} µs", r.p99_us),
            ]
        })
        .collect();
    table::print(&header, &cells);
}
