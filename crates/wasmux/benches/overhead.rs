//! What wasmux adds on top of each engine: call overhead, a compute loop, and the cost of fuel
//! metering and timeout checks.
//!
//! Run with `cargo bench -p wasmux --bench overhead`; filter with e.g. `-- compute_loop/wasmi`.
//! Whole programs (start-up, instantiation, threads, compute kernels) against the wasmtime CLI
//! are measured by `scripts/bench` instead, process by process.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use std::time::Duration;
use wasmux::{Limits, Module, Runtime, Val};

const IDENTITY: &str = r#"(module (func (export "id") (param i64) (result i64) local.get 0))"#;
/// Adds a counter: one cycle per iteration on a JIT, the worst case for metering, and a loop
/// LLVM turns into a formula (so `wasmer:llvm` figures for it measure no loop at all).
const SUM: &str = include_str!("../../../examples/sum.wat");
/// Multiplies, xors and rotates a hash: a few cycles per iteration that no compiler can fold.
const MIX: &str = include_str!("../../../examples/mix.wat");
/// The compute loops, by name, with the export each runs.
const LOOPS: [(&str, &str); 2] = [("sum", SUM), ("mix", MIX)];
const LOOP_ITERATIONS: i64 = 10_000_000;

/// The engine's own API with the engine's default compiler (and LLVM for `wasmer:llvm`).
fn baseline(engine: &str, wat: &str, func: &str) -> Option<Box<dyn FnMut(i64) -> i64>> {
    let wasm = wat::parse_str(wat).unwrap();
    let b: Box<dyn FnMut(i64) -> i64> = match engine {
        "wasmtime" => {
            let mut b = wasmux_engine_wasmtime::baseline::Baseline::new(&wasm, func);
            Box::new(move |x| b.call(x))
        }
        "wasmer" => {
            let mut b = wasmux_engine_wasmer::baseline::Baseline::new(&wasm, func);
            Box::new(move |x| b.call(x))
        }
        #[cfg(feature = "llvm")]
        "wasmer:llvm" => {
            let mut b = wasmux_engine_wasmer::baseline::Baseline::llvm(&wasm, func);
            Box::new(move |x| b.call(x))
        }
        "wasm3" => {
            let mut b = wasmux_engine_wasm3::baseline::Baseline::new(&wasm, func);
            Box::new(move |x| b.call(x))
        }
        "wasmi" => {
            let mut b = wasmux_engine_wasmi::baseline::Baseline::new(&wasm, func);
            Box::new(move |x| b.call(x))
        }
        _ => return None,
    };
    Some(b)
}

fn wasmux_call(
    engine: &str,
    wat: &str,
    func: &'static str,
    limits: Limits,
) -> impl FnMut(i64) -> i64 {
    let runtime = Runtime::builder()
        .engine(engine)
        .limits(limits)
        .build()
        .unwrap();
    let module = Module::from_bytes("bench.wat", wat.as_bytes()).unwrap();
    let mut instance = runtime.instantiate(&module).unwrap();
    let metered = instance.fuel_remaining().is_some();
    move |x| {
        if metered {
            instance.set_fuel(u64::MAX / 2).unwrap();
        }
        match instance.call(func, &[Val::I64(x)]).unwrap()[..] {
            [Val::I64(v)] => v,
            _ => unreachable!(),
        }
    }
}

/// Like `wasmux_call`, through a function handle looked up once.
fn wasmux_handle_call(engine: &str, wat: &str, func: &str) -> impl FnMut(i64) -> i64 {
    let runtime = Runtime::builder().engine(engine).build().unwrap();
    let module = Module::from_bytes("bench.wat", wat.as_bytes()).unwrap();
    let mut instance = runtime.instantiate(&module).unwrap();
    let func = instance.func(func).unwrap();
    move |x| match instance.call_func(&func, &[Val::I64(x)]).unwrap()[..] {
        [Val::I64(v)] => v,
        _ => unreachable!(),
    }
}

fn call_overhead(c: &mut Criterion) {
    let mut group = c.benchmark_group("call_overhead");
    for engine in wasmux::engine_names() {
        let mut through = wasmux_call(&engine, IDENTITY, "id", Limits::default());
        group.bench_function(BenchmarkId::new(&engine, "wasmux"), |b| {
            b.iter(|| through(std::hint::black_box(7)))
        });
        let mut handle = wasmux_handle_call(&engine, IDENTITY, "id");
        group.bench_function(BenchmarkId::new(&engine, "wasmux-handle"), |b| {
            b.iter(|| handle(std::hint::black_box(7)))
        });
        if let Some(mut native) = baseline(&engine, IDENTITY, "id") {
            group.bench_function(BenchmarkId::new(&engine, "native"), |b| {
                b.iter(|| native(std::hint::black_box(7)))
            });
        }
    }
    group.finish();
}

fn compute_loop(c: &mut Criterion) {
    let mut group = c.benchmark_group("compute_loop");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(4));
    for engine in wasmux::engine_names() {
        for (name, wat) in LOOPS {
            let id = format!("{engine}/{name}");
            let mut through = wasmux_call(&engine, wat, name, Limits::default());
            group.bench_function(BenchmarkId::new(&id, "wasmux"), |b| {
                b.iter(|| through(LOOP_ITERATIONS))
            });
            if let Some(mut native) = baseline(&engine, wat, name) {
                group.bench_function(BenchmarkId::new(&id, "native"), |b| {
                    b.iter(|| native(LOOP_ITERATIONS))
                });
            }
        }
    }
    group.finish();
}

fn limits_cost(c: &mut Criterion) {
    let mut group = c.benchmark_group("limits");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(4));
    let configs = [
        ("none", Limits::default()),
        (
            "fuel",
            Limits {
                fuel: Some(u64::MAX / 2),
                ..Limits::default()
            },
        ),
        (
            "timeout",
            Limits {
                timeout: Some(Duration::from_secs(3600)),
                ..Limits::default()
            },
        ),
        (
            "fuel+timeout",
            Limits {
                fuel: Some(u64::MAX / 2),
                timeout: Some(Duration::from_secs(3600)),
                ..Limits::default()
            },
        ),
    ];
    for engine in wasmux::engine_names() {
        for (name, wat) in LOOPS {
            for (label, limits) in &configs {
                let mut run = wasmux_call(&engine, wat, name, limits.clone());
                group.bench_function(BenchmarkId::new(format!("{engine}/{name}"), label), |b| {
                    b.iter(|| run(LOOP_ITERATIONS))
                });
            }
            if engine == "wasmtime" {
                // wasmtime's own mechanisms, for comparison.
                let wasm = wat::parse_str(wat).unwrap();
                for (label, fuel, epochs) in
                    [("native-fuel", true, false), ("native-epochs", false, true)]
                {
                    let mut b = wasmux_engine_wasmtime::baseline::Baseline::metered(
                        &wasm, name, fuel, epochs,
                    );
                    group.bench_function(
                        BenchmarkId::new(format!("{engine}/{name}"), label),
                        |bench| bench.iter(|| b.call(LOOP_ITERATIONS)),
                    );
                }
            }
        }
    }
    group.finish();
}

criterion_group!(benches, call_overhead, compute_loop, limits_cost);
criterion_main!(benches);
