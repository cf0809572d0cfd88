//! Publish a graph of packages × versions into a fresh registry (timed once, printed), then
//! time resolving it from its top package with criterion.
//!
//!     cargo bench -p wasmux-registry --bench resolve
//!     WASMUX_BENCH_PACKAGES=100 cargo bench -p wasmux-registry --bench resolve   # smaller
//!
//! Package i's versions 1.0.0..=1.0.9 depend on packages i-1, i/2 and i/3 with `^1`, except
//! that its newest version wants i-1 below 1.0.5: the solver must step back from newest
//! choices along the chain instead of taking the newest of everything.

use criterion::{criterion_group, criterion_main, Criterion};
use std::time::{Duration, Instant};
use wasmux_registry::{PackageRef, PublishPolicy, Registry};

const VERSIONS: u32 = 10;

fn packages() -> u32 {
    std::env::var("WASMUX_BENCH_PACKAGES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1000)
}

fn name(i: u32) -> String {
    format!("bench/p{i:04}")
}

fn deps(i: u32, k: u32) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for j in [i.wrapping_sub(1), i / 2, i / 3] {
        if j < i && !out.iter().any(|(n, _)| *n == name(j)) {
            let req = if k == VERSIONS - 1 && j + 1 == i {
                "<1.0.5"
            } else {
                "^1"
            };
            out.push((name(j), req.to_string()));
        }
    }
    out
}

/// Publishes the graph through the ordinary publish path (manifest, wat, validation, blob
/// fsync, one transaction each).
fn publish_graph(reg: &mut Registry, src: &std::path::Path, n: u32) -> Duration {
    let started = Instant::now();
    for i in 0..n {
        for k in 0..VERSIONS {
            let dir = src.join(format!("p{i}-{k}"));
            std::fs::create_dir_all(&dir).unwrap();
            let deps: String = deps(i, k)
                .iter()
                .map(|(n, r)| format!("\"{n}\" = \"{r}\"\n"))
                .collect();
            std::fs::write(
                dir.join("wasmux.toml"),
                format!(
                    "[package]\nname = \"{}\"\nversion = \"1.0.{k}\"\nmodule = \"m.wat\"\n\
                     [dependencies]\n{deps}",
                    name(i)
                ),
            )
            .unwrap();
            std::fs::write(
                dir.join("m.wat"),
                format!(
                    "(module (func (export \"v\") (result i32) i32.const {}))",
                    i * 100 + k
                ),
            )
            .unwrap();
            reg.publish(&dir, &PublishPolicy::default(), None).unwrap();
        }
    }
    started.elapsed()
}

fn bench(c: &mut Criterion) {
    let n = packages();
    let tmp = tempfile::tempdir().unwrap();
    let mut reg = Registry::open(tmp.path().join("home")).unwrap();
    let took = publish_graph(&mut reg, &tmp.path().join("src"), n);
    let releases = n * VERSIONS;
    eprintln!(
        "published {releases} releases ({n} packages x {VERSIONS} versions) in {took:.2?} \
         ({:.2?} per publish)",
        took / releases
    );
    let top = PackageRef::parse(&name(n - 1)).unwrap();
    let started = Instant::now();
    let resolution = reg.resolve(&top, false).unwrap();
    eprintln!(
        "first resolve of {top}: {} packages chosen in {:.2?}",
        resolution.packages.len(),
        started.elapsed()
    );
    let mut group = c.benchmark_group("registry");
    group.sample_size(10);
    group.bench_function(format!("resolve {n}x{VERSIONS} from the top"), |b| {
        b.iter(|| reg.resolve(&top, false).unwrap())
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
