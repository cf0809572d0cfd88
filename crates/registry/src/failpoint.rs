//! Test-only crash points: with `WASMUX_REGISTRY_FAILPOINT=NAME` set, the process aborts (no
//! unwinding, no destructors, like a kill) when it reaches the point called NAME. The crash
//! tests use them to stop a publish between every pair of its steps. Unset, a point costs one
//! environment lookup per publish step.

pub const ENV: &str = "WASMUX_REGISTRY_FAILPOINT";

/// The points a publish passes, in order.
pub const PUBLISH_POINTS: [&str; 4] = [
    "blob-temp-written",
    "blob-renamed",
    "index-before-commit",
    "index-committed",
];

pub(crate) fn hit(name: &str) {
    if std::env::var_os(ENV).is_some_and(|v| v == name) {
        std::process::abort();
    }
}
