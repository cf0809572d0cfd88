//! The probes of `wasmux profile` and `wasmux trace` (values and host calls on, the heaviest
//! form), added to the instrumented pass after the limits' rewrite: they must change nothing
//! the guest can observe, nor the fuel it consumes. The host side does nothing but count.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use wasmux::pass::{Added, InstrumentError, Instrumented, Pass};
use wasmux::wast::Extend;
use wasmux::{FuncType, HostFunc, RuntimeBuilder, ValType};
use wasmux_instrument::probe::{probe, ProbeOptions, PROBE_MODULE};

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

/// Probe calls made, over the whole suite, so that a run whose probes were never called
/// shows.
pub static CALLS: AtomicU64 = AtomicU64::new(0);

pub fn extend() -> Extend {
    Extend(Arc::new(|builder: RuntimeBuilder| {
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
        builder
    }))
}
