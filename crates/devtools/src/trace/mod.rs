//! An engine-neutral tracer: function entries and exits with their arguments and results, and
//! calls to host functions, printed as they happen. Built on the same probes as the profiler,
//! with values passed.

mod filter;
mod recorder;

pub use filter::Filter;
pub use recorder::{TraceOptions, TraceSummary, Tracer};
