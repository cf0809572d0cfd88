//! An engine-neutral profiler, in two kinds. The same module gives the same call counts on
//! every engine; times are the engine's, plus the probes' own cost, which
//! [`Profile::overhead`] states.
//!
//! - [`Sampler`] (`wasmux profile`): the guest counts its calls and keeps the depth of its
//!   stack in globals of its own (`wasmux_instrument::sample`) and calls the host only every
//!   so often, for a sample; the host learns the sampled stack as its frames return. Calls
//!   are exact, times are estimates, host calls are timed exactly. A few instructions per
//!   call: cheap enough for call-heavy code on a JIT.
//! - [`Profiler`] (`wasmux profile --exact`): a probe call into the host at every entry and
//!   exit (`wasmux_instrument::probe`), which keeps the call tree with exact counts and times
//!   per call path, at the cost of a host call per entry and exit.

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
