//! WASI-heavy work on wasmux-on-wasmtime against the same guest on wasmtime's own WASI
//! (wasmtime-wasi's preview1 adapter), and what wasmux's audit trail costs.
//!
//! The guest is `guests/src/bin/wasibench.rs`, built by this bench. Workloads:
//! - `writes`: 100,000 `fd_write`s of 16 bytes each to a file in the preopened directory;
//! - `copy`: a 64 MiB file copied in 4 KiB reads and writes within that directory.
//!
//! Both sides get the same preopened directory (fd 3, read-write) and standard streams that
//! discard output. A measurement is one guest `_start`, from call to return: compiling and instantiating are
//! set-up outside it, since wasmux compiles at each `instantiate`; the `instantiate` group times
//! that set-up on its own.
//!
//! Run with `cargo bench --workspace --features wasmux-cli/full --bench wasi`; filter with e.g. `-- writes`.

#[path = "../../wasi/tests/common/guests.rs"]
mod guests;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, SamplingMode};
use std::path::{Path, PathBuf};
use wasmux::wasi::{AuditLevel, Mode, Policy, WasiCtx};
use wasmux::{Error, Instance, Module, Runtime};
use wasmux_engine_wasmtime::baseline::wasi::{WasiBaseline, WasiRun};

const GUEST_DIR: &str = "/bench";
const WRITES: usize = 100_000;
const WRITE_SIZE: usize = 16;
const COPY_BYTES: usize = 64 << 20;
const COPY_CHUNK: usize = 4096;

/// One workload: the guest's argv, and a check of what it left in the directory.
struct Workload {
    name: &'static str,
    argv: Vec<String>,
    check: fn(&Path),
}

fn workloads() -> [Workload; 2] {
    let writes = WRITES.to_string();
    let size = WRITE_SIZE.to_string();
    let chunk = COPY_CHUNK.to_string();
    [
        Workload {
            name: "writes",
            argv: argv(&["writes", "/bench/out.bin", &writes, &size]),
            check: |dir| {
                let len = std::fs::metadata(dir.join("out.bin")).unwrap().len();
                assert_eq!(len, (WRITES * WRITE_SIZE) as u64);
            },
        },
        Workload {
            name: "copy",
            argv: argv(&["copy", "/bench/src.bin", "/bench/dst.bin", &chunk]),
            check: |dir| {
                let copied = std::fs::read(dir.join("dst.bin")).unwrap();
                assert!(copied == std::fs::read(dir.join("src.bin")).unwrap());
            },
        },
    ]
}

fn argv(rest: &[&str]) -> Vec<String> {
    std::iter::once("wasibench")
        .chain(rest.iter().copied())
        .map(String::from)
        .collect()
}

/// The copy's source: varied bytes, so that no layer can shortcut zeros.
fn write_source(dir: &Path) {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let data: Vec<u8> = (0..COPY_BYTES)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect();
    std::fs::write(dir.join("src.bin"), data).unwrap();
}

/// A guest instantiated on wasmux-on-wasmtime with `ctx`, ready for `_start`.
fn wasmux_instance(module: &Module, ctx: WasiCtx) -> Instance {
    let runtime = Runtime::builder()
        .engine("wasmtime")
        .wasi_shared(ctx)
        .build()
        .unwrap();
    runtime.instantiate(module).unwrap()
}

fn wasmux_ctx(dir: &Path, argv: &[String]) -> WasiCtx {
    WasiCtx::new()
        .args(argv.iter().cloned())
        .preopen_dir(dir, GUEST_DIR, Mode::Rw)
        .unwrap()
}

fn run_wasmux(instance: &mut Instance) {
    match instance.call("_start", &[]) {
        Ok(_) | Err(Error::Exit(0)) => {}
        Err(e) => panic!("wasibench on wasmux: {e}"),
    }
}

fn run_baseline(run: &mut WasiRun) {
    assert_eq!(run.run(), 0, "wasibench on wasmtime-wasi");
}

struct Setup {
    dir: tempfile::TempDir,
    module: Module,
    baseline: WasiBaseline,
}

fn setup() -> Setup {
    let path: PathBuf = guests::guest_path("wasibench");
    let dir = tempfile::tempdir().unwrap();
    write_source(dir.path());
    Setup {
        module: Module::from_file(&path).unwrap(),
        baseline: WasiBaseline::new(&std::fs::read(&path).unwrap()),
        dir,
    }
}

fn wasmux_vs_wasmtime_wasi(c: &mut Criterion) {
    let s = setup();
    let dir = s.dir.path();
    for w in workloads() {
        let args: Vec<&str> = w.argv.iter().map(String::as_str).collect();
        // Both sides must do the whole work before either is timed.
        run_wasmux(&mut wasmux_instance(&s.module, wasmux_ctx(dir, &w.argv)));
        (w.check)(dir);
        run_baseline(&mut s.baseline.instantiate(&args, dir, GUEST_DIR));
        (w.check)(dir);

        let mut group = c.benchmark_group(w.name);
        group.sample_size(10).sampling_mode(SamplingMode::Flat);
        group.bench_function("wasmux", |b| {
            b.iter_batched(
                || wasmux_instance(&s.module, wasmux_ctx(dir, &w.argv)),
                |mut instance| {
                    run_wasmux(&mut instance);
                    instance
                },
                BatchSize::PerIteration,
            )
        });
        group.bench_function("wasmtime-wasi", |b| {
            b.iter_batched(
                || s.baseline.instantiate(&args, dir, GUEST_DIR),
                |mut run| {
                    run_baseline(&mut run);
                    run
                },
                BatchSize::PerIteration,
            )
        });
        group.finish();
    }
}

/// The `writes` workload (one audit event per call) with auditing off, at level `denied` (no
/// call is refused, so nothing is written) and at level `all`, written as JSON lines to a file.
fn audit_cost(c: &mut Criterion) {
    let s = setup();
    let dir = s.dir.path();
    let logs = tempfile::tempdir().unwrap();
    let audit_file = logs.path().join("audit.jsonl");
    let [writes, _] = workloads();
    let ctx = |level: Option<AuditLevel>| {
        let mut policy = Policy::default();
        policy.mount(GUEST_DIR, dir, Mode::Rw);
        if level.is_some() {
            // A fresh file per run, so the log does not grow across iterations.
            let _ = std::fs::remove_file(&audit_file);
            policy.audit.file = Some(audit_file.clone());
            policy.audit.level = level;
        }
        policy.wasi_ctx().unwrap().args(writes.argv.iter().cloned())
    };
    let audit_lines = |level| {
        run_wasmux(&mut wasmux_instance(&s.module, ctx(Some(level))));
        std::fs::read_to_string(&audit_file)
            .unwrap()
            .lines()
            .count()
    };
    assert_eq!(audit_lines(AuditLevel::Denied), 0);
    assert!(audit_lines(AuditLevel::All) > WRITES);

    let mut group = c.benchmark_group("audit");
    group.sample_size(10).sampling_mode(SamplingMode::Flat);
    for (label, level) in [
        ("off", None),
        ("denied", Some(AuditLevel::Denied)),
        ("all", Some(AuditLevel::All)),
    ] {
        group.bench_function(label, |b| {
            b.iter_batched(
                || wasmux_instance(&s.module, ctx(level)),
                |mut instance| {
                    run_wasmux(&mut instance);
                    instance
                },
                BatchSize::PerIteration,
            )
        });
    }
    group.finish();
}

/// The set-up the other groups leave out: compiling, linking and instantiating the guest.
fn instantiate(c: &mut Criterion) {
    let s = setup();
    let dir = s.dir.path();
    let [writes, _] = workloads();
    let args: Vec<&str> = writes.argv.iter().map(String::as_str).collect();
    let wasm = std::fs::read(guests::guest_path("wasibench")).unwrap();
    let mut group = c.benchmark_group("instantiate");
    group.sample_size(10).sampling_mode(SamplingMode::Flat);
    group.bench_function("wasmux", |b| {
        b.iter(|| wasmux_instance(&s.module, wasmux_ctx(dir, &writes.argv)))
    });
    group.bench_function("wasmtime-wasi", |b| {
        b.iter(|| {
            s.baseline
                .recompile(&wasm)
                .instantiate(&args, dir, GUEST_DIR)
        })
    });
    group.finish();
}

criterion_group!(benches, wasmux_vs_wasmtime_wasi, audit_cost, instantiate);
criterion_main!(benches);
