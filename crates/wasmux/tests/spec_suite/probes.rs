//! The probes of `wasmux profile --exact` and `wasmux trace` (values and host calls on, the
//! heaviest form), then the sampling probes of `wasmux profile` on top, added to the
//! instrumented pass after the limits' rewrite: they must change nothing the guest can
//! observe, nor the fuel it consumes. The host side does nothing but count; it asks for a
//! sample every few calls and loop headers, so that the rare paths run all the time.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use wasmux::pass::{Added, InstrumentError, Instrumented, Pass};
use wasmux::wast::Extend;
use wasmux::{FuncType, HostFunc, RuntimeBuilder, ValType};
use wasmux_instrument::probe::{probe, ProbeOptions, PROBE_MODULE};
use wasmux_instrument::sample::{
    sample, COUNT, HOST_ENTER, HOST_EXIT, RESOLVE, SAMPLE_MODULE, TICK,
};

/// More values than any function of the suite takes or returns.
const MOST_VALUES: usize = 128;

struct Probes;

impl Pass for Probes {
    fn label(&self) -> String {
        "spec probes".into()
    }

    fn apply(&self, wasm: &[u8], earlier: &Added) -> Result<Instrumented, InstrumentError> {
        let opts = ProbeOptions {
            values: true,
            host_calls: true,
        };
        probe(wasm, &opts, earlier)
    }
}

struct Sampling;

impl Pass for Sampling {
    fn label(&self) -> String {
        "spec sampling probes".into()
    }

    fn apply(&self, wasm: &[u8], earlier: &Added) -> Result<Instrumented, InstrumentError> {
        sample(wasm, earlier)
    }
}

/// Probe calls made, over the whole suite, so that a run whose probes were never called
/// shows.
pub static CALLS: AtomicU64 = AtomicU64::new(0);
/// Samples taken and frames named, likewise.
pub static TICKS: AtomicU64 = AtomicU64::new(0);
pub static RESOLVED: AtomicU64 = AtomicU64::new(0);

/// Entries and loop headers between two samples: few, so that ticks and the naming of
/// frames happen throughout.
const COUNTDOWN: i32 = 3;

fn sampling(builder: RuntimeBuilder) -> RuntimeBuilder {
    let ty = |params: Vec<ValType>, results: Vec<ValType>| FuncType { params, results };
    let tick = HostFunc::new(ty(vec![ValType::I32; 2], vec![ValType::I32]), |_, _, r| {
        TICKS.fetch_add(1, Ordering::Relaxed);
        r[0] = wasmux::Val::I32(COUNTDOWN);
        Ok(())
    });
    let resolve = HostFunc::new(ty(vec![ValType::I32; 2], vec![]), |_, _, _| {
        RESOLVED.fetch_add(1, Ordering::Relaxed);
        Ok(())
    });
    let nothing = |params| HostFunc::new(ty(params, vec![]), |_, _, _| Ok(()));
    builder
        .pass(Sampling)
        .func(SAMPLE_MODULE, TICK, tick)
        .func(SAMPLE_MODULE, RESOLVE, resolve)
        .func(SAMPLE_MODULE, HOST_ENTER, nothing(vec![ValType::I32; 3]))
        .func(SAMPLE_MODULE, HOST_EXIT, nothing(vec![ValType::I32]))
        .func(
            SAMPLE_MODULE,
            COUNT,
            nothing(vec![ValType::I32, ValType::I64]),
        )
}

/// The probes for `engine`: both kinds, but on wasmer's LLVM variant the exact ones only. Its
/// compile time, not the code, bounds that run, and with both kinds its compile-heavy
/// scripts (`const.wast`, `simd_const.wast`: hundreds of modules each) ran past the script
/// budget; the sampling probes are the same wasm on every engine, and wasmer's own backend
/// (Singlepass) runs them.
pub fn extend(engine: &str) -> Extend {
    let with_sampling = engine != "wasmer:llvm";
    Extend(Arc::new(move |builder: RuntimeBuilder| {
        let mut builder = builder.pass(Probes);
        for n in 0..=MOST_VALUES {
            let ty = FuncType {
                params: std::iter::once(ValType::I32)
                    .chain(std::iter::repeat_n(ValType::I64, n))
                    .collect(),
                results: vec![],
            };
            let count = HostFunc::new(ty, |_, _, _| {
                CALLS.fetch_add(1, Ordering::Relaxed);
                Ok(())
            });
            for kind in ["enter", "exit", "host_enter", "host_exit"] {
                builder = builder.func(PROBE_MODULE, &format!("{kind}{n}"), count.clone());
            }
        }
        if with_sampling {
            sampling(builder)
        } else {
            builder
        }
    }))
}
