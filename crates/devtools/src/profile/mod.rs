//! An engine-neutral profiler: probes the rewriter adds at every function entry and exit (and
//! around calls to host functions) call into the host, which keeps the call tree with call
//! counts and times. The same module gives the same call counts on every engine; times are the
//! engine's, plus the probes' own cost, which [`Profile::overhead`] states.

mod calibrate;
mod flame;
mod probes;
mod recorder;
mod report;
mod sampler;
mod samples;

pub use calibrate::calibrate;
pub use flame::FlameError;
pub use probes::ProbePass;
pub use recorder::{Profiler, MAX_PATHS};
pub use report::{FunctionStats, Method, Overhead, Profile};
pub use sampler::{SamplePass, Sampler, DEFAULT_INTERVAL};
