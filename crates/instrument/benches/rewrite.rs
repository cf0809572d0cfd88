//! What rewriting costs on a large real module: fuel metering and interrupt checks injected
//! into CPython (26 MB), with and without validating first. Compare with the compile time
//! `wasmux run --stats --no-cache --fuel N --timeout 60s target/real-programs/python-3.12.0.wasm
//! -c pass` reports (`compile_us`).
//!
//! Run with `cargo bench -p wasmux-instrument --bench rewrite` after
//! `scripts/fetch-real-programs`; without CPython it rewrites a generated module instead.

use criterion::{criterion_group, criterion_main, Criterion};
use std::path::Path;
use std::time::Duration;
use wasmux_instrument::{instrument, instrument_validated, Options};

fn large_module() -> (String, Vec<u8>) {
    let cpython =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/real-programs/python-3.12.0.wasm");
    if let Ok(bytes) = std::fs::read(&cpython) {
        return ("cpython".into(), bytes);
    }
    // 20,000 functions of a loop each: about the shape, if not the size, of a real program.
    let mut wat = String::from("(module (memory 1)");
    for i in 0..20_000 {
        wat.push_str(&format!(
            "(func (export \"f{i}\") (param i32) (result i32) (local i32)
               (loop $l (local.set 1 (i32.add (local.get 1) (i32.load (local.get 0))))
                 (br_if $l (local.tee 0 (i32.sub (local.get 0) (i32.const 1)))))
               (local.get 1))"
        ));
    }
    wat.push(')');
    ("generated".into(), wat::parse_str(&wat).unwrap())
}

fn rewrite(c: &mut Criterion) {
    let (name, wasm) = large_module();
    let opts = Options {
        fuel: true,
        interrupt: true,
        ..Options::default()
    };
    let mut group = c.benchmark_group(format!("rewrite/{name}"));
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(10));
    group.bench_function("validate_and_rewrite", |b| {
        b.iter(|| instrument(&wasm, &opts).unwrap())
    });
    group.bench_function("rewrite", |b| {
        b.iter(|| instrument_validated(&wasm, &opts).unwrap())
    });
    group.finish();
}

criterion_group!(benches, rewrite);
criterion_main!(benches);
