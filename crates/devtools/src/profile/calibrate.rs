//! What the probes cost on an engine: a loop of calls to an empty function, run with and
//! without them on the same engine.

use std::time::{Duration, Instant};
use wasmux::{Error, Module, Runtime, RuntimeBuilder, Val};

use super::recorder::Profiler;
use super::report::Method;
use super::sampler::Sampler;

const CALLS: i32 = 200_000;

const LOOP: &str = r#"(module
  (func $leaf)
  (func (export "run") (param $n i32)
    (loop $again
      (call $leaf)
      (local.tee $n (i32.sub (local.get $n) (i32.const 1)))
      (br_if $again))))"#;

/// Nanoseconds the probes of `method` add on `engine`: per probe call (exact), or per call
/// of a function, its loop header's countdown included (sampled). The best of a few runs.
pub fn calibrate(engine: &str, method: Method) -> Result<f64, Error> {
    let module = Module::from_bytes("calibration.wat", LOOP.as_bytes())?;
    let plain = best_of(&Runtime::builder().engine(engine).build()?, &module)?;
    let builder = Runtime::builder().engine(engine);
    let (builder, per_call): (RuntimeBuilder, f64) = match method {
        // Two probes per call of $leaf; `run`'s own two are noise.
        Method::Exact => (Profiler::new().install(builder), 2.0),
        Method::Sampled => (Sampler::new().install(builder), 1.0),
    };
    let probed = best_of(&builder.build()?, &module)?;
    let extra = probed.saturating_sub(plain).as_nanos() as f64;
    Ok(extra / (per_call * f64::from(CALLS)))
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
