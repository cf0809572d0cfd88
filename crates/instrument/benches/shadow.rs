//! What the shadow stack costs at run time on wasmi, on the worst case for it: a recursive
//! `fib`, where every few instructions are a call. Four variants: the module as it is, with
//! the shadow stack, with the limits rewrite (fuel and interrupt checks), and with both.
//!
//! Run with `cargo bench -p wasmux-instrument --bench shadow`.

#[path = "../tests/common/mod.rs"]
mod common;

use criterion::{criterion_group, criterion_main, Criterion};
use std::time::Duration;
use wasmi::Val;
use wasmux_instrument::{instrument_reported, shadow_stack, Added, Options};

const FIB: &str = r#"(module
  (func $fib (export "fib") (param $n i32) (result i32)
    (if (result i32) (i32.lt_u (local.get $n) (i32.const 2))
      (then (local.get $n))
      (else (i32.add (call $fib (i32.sub (local.get $n) (i32.const 1)))
                     (call $fib (i32.sub (local.get $n) (i32.const 2))))))))"#;

/// fib(25) makes 242,785 calls.
const N: i32 = 25;

fn variants() -> Vec<(&'static str, Vec<u8>)> {
    let plain = wat::parse_str(FIB).unwrap();
    let shadowed = shadow_stack(&plain, &Added::default()).unwrap().wasm;
    let opts = Options {
        fuel: true,
        interrupt: true,
        ..Options::default()
    };
    let limits = instrument_reported(&plain, &opts).unwrap();
    let both = shadow_stack(&limits.wasm, &limits.added).unwrap().wasm;
    vec![
        ("plain", plain),
        ("shadow", shadowed),
        ("limits", limits.wasm),
        ("limits+shadow", both),
    ]
}

fn fib(c: &mut Criterion) {
    let mut group = c.benchmark_group(format!("fib({N})/wasmi"));
    group.sample_size(20);
    group.measurement_time(Duration::from_secs(5));
    for (name, wasm) in variants() {
        let mut vm = common::instantiate(&wasm).unwrap();
        group.bench_function(name, |b| {
            b.iter(|| vm.call_i32("fib", &[Val::I32(N)]).unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, fib);
criterion_main!(benches);
