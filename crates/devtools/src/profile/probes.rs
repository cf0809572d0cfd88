//! The probes as a pass of the wasmux runtime.

use wasmux::pass::{Added, InstrumentError, Instrumented, Pass};
use wasmux_instrument::probe::{probe, ProbeOptions};

/// Adds the probes of `opts` to every module a runtime prepares.
pub struct ProbePass(pub ProbeOptions);

impl Pass for ProbePass {
    fn label(&self) -> String {
        format!(
            "probes (values {}, host calls {})",
            self.0.values, self.0.host_calls
        )
    }

    fn apply(&self, wasm: &[u8], earlier: &Added) -> Result<Instrumented, InstrumentError> {
        probe(wasm, &self.0, earlier)
    }
}
