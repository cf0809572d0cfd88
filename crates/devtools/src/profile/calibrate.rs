//! What one probe call costs on an engine: a loop of calls to an empty function, run with
//! and without probes on the same engine.

use std::time::{Duration, Instant};
use wasmux::{Error, Module, Runtime, Val};

use super::recorder::Profiler;

const CALLS: i32 = 200_000;

const LOOP: &str = r#"(module
  (func $leaf)
  (func (export "run") (param $n i32)
    (loop $again
      (call $leaf)
      (local.tee $n (i32.sub (local.get $n) (i32.const 1)))
      (br_if $again))))"#;

/// Nanoseconds one probe call adds on `engine`, the best of a few runs.
pub fn calibrate(engine: &str) -> Result<f64, Error> {
    let module = Module::from_bytes("calibration.wat", LOOP.as_bytes())?;
    let plain = best_of(&Runtime::builder().engine(engine).build()?, &module)?;
    let profiler = Profiler::new();
    let probed = best_of(
        &profiler
            .install(Runtime::builder().engine(engine))
            .build()?,
        &module,
    )?;
    // Two probes per call of $leaf; `run`'s own two are noise.
    let extra = probed.saturating_sub(plain).as_nanos() as f64;
    Ok(extra / (2.0 * f64::from(CALLS)))
}

fn best_of(runtime: &Runtime, module: &Module) -> Result<Duration, Error> {
    let prepared = runtime.prepare(module)?;
    let mut instance = prepared.instantiate()?;
    let mut best = Duration::MAX;
    for _ in 0..3 {
        let started = Instant::now();
        instance.call("run", &[Val::I32(CALLS)])?;
        best = best.min(started.elapsed());
    }
    Ok(best)
}
