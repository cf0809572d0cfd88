//! What profiling costs: the same call-heavy guests run plain, sampled (`wasmux profile`) and
//! with exact probes (`wasmux profile --exact`), on every engine. The ratio to plain is the
//! profiler's overhead.
//!
//! Run with `cargo bench -p wasmux-devtools --bench profile`; filter with e.g. `-- fib/wasmi`.
//! The guests: recursive Fibonacci (nothing but calls, the worst case) and two kernels of the
//! Rust-built compute guest (regex matching and sorting), called through its `kernel` export.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use std::path::Path;
use std::time::Duration;
use wasmux::{Module, Runtime, RuntimeBuilder, Val};
use wasmux_devtools::profile::{Profiler, Sampler};

const ENGINES: [&str; 4] = ["wasmtime", "wasmer", "wasm3", "wasmi"];

/// A workload: module, export, arguments.
struct Workload {
    name: &'static str,
    module: Module,
    func: &'static str,
    args: Vec<Val>,
}

fn workloads() -> Vec<Workload> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let fib = Module::from_file(root.join("examples/fib.wat")).unwrap();
    let compute = root.join("guests/target/wasm32-wasip1/release/compute.wasm");
    if !compute.exists() {
        let status = std::process::Command::new("cargo")
            .args([
                "build",
                "--release",
                "--target",
                "wasm32-wasip1",
                "--bin",
                "compute",
            ])
            .current_dir(root.join("guests"))
            .env_remove("CARGO_TARGET_DIR")
            .status()
            .expect("cargo runs");
        assert!(status.success(), "building the compute guest failed");
    }
    let compute = Module::from_file(&compute).unwrap();
    // Kernel indices as `compute` lists them: 6 = sort, 7 = regex.
    vec![
        Workload {
            name: "fib",
            module: fib,
            func: "fib",
            args: vec![Val::I32(25)],
        },
        Workload {
            name: "sort",
            module: compute.clone(),
            func: "kernel",
            args: vec![Val::I32(6), Val::I32(10)],
        },
        Workload {
            name: "regex",
            module: compute,
            func: "kernel",
            args: vec![Val::I32(7), Val::I32(4)],
        },
    ]
}

/// How a guest runs: as it is, sampled (the default of `wasmux profile`), or with a probe
/// call at every entry and exit (`--exact`).
#[derive(Clone, Copy)]
enum Mode {
    Plain,
    Sampled,
    Exact,
}

fn runtime(engine: &str, mode: Mode) -> Runtime {
    let builder: RuntimeBuilder = Runtime::builder()
        .engine(engine)
        .wasi(|| Ok::<_, std::io::Error>(wasmux::wasi::WasiCtx::new()));
    match mode {
        Mode::Plain => builder,
        Mode::Sampled => Sampler::new().install(builder),
        Mode::Exact => Profiler::new().install(builder),
    }
    .build()
    .unwrap()
}

fn profile(c: &mut Criterion) {
    for work in workloads() {
        let mut group = c.benchmark_group(work.name);
        group.sample_size(10);
        group.measurement_time(Duration::from_secs(3));
        for engine in ENGINES {
            for (name, mode) in [
                ("plain", Mode::Plain),
                ("sampled", Mode::Sampled),
                ("exact", Mode::Exact),
            ] {
                let mut instance = runtime(engine, mode).instantiate(&work.module).unwrap();
                group.bench_function(BenchmarkId::new(engine, name), |b| {
                    b.iter(|| instance.call(work.func, &work.args).unwrap())
                });
            }
        }
        group.finish();
    }
}

criterion_group!(benches, profile);
criterion_main!(benches);
