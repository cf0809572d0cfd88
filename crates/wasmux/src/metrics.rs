//! What a runtime has done so far: compiles, instantiations, calls, and what they cost. Counted
//! with relaxed atomics (a few per call), read as a snapshot or as Prometheus text.

use serde::Serialize;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use wasmux_core::Error;

#[derive(Debug, Default)]
pub(crate) struct Counters {
    modules_prepared: AtomicU64,
    compile_ns: AtomicU64,
    cache_hits: AtomicU64,
    cache_misses: AtomicU64,
    instances: AtomicU64,
    instantiate_ns: AtomicU64,
    calls: AtomicU64,
    call_ns: AtomicU64,
    traps: AtomicU64,
    fuel_consumed: AtomicU64,
    host_calls: AtomicU64,
}

/// How a compile went, as far as the compile cache is concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CacheOutcome {
    /// No cache configured, or the engine cannot store compiled code.
    Off,
    /// Loaded from the cache; nothing compiled.
    Hit,
    /// Compiled (and stored, where the cache could take it).
    Miss,
}

fn add(counter: &AtomicU64, n: u64) {
    counter.fetch_add(n, Ordering::Relaxed);
}

fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

impl Counters {
    pub(crate) fn prepared(&self, took: Duration, cache: CacheOutcome) {
        add(&self.modules_prepared, 1);
        add(&self.compile_ns, nanos(took));
        match cache {
            CacheOutcome::Hit => add(&self.cache_hits, 1),
            CacheOutcome::Miss => add(&self.cache_misses, 1),
            CacheOutcome::Off => {}
        }
    }

    pub(crate) fn instantiated(&self, took: Duration) {
        add(&self.instances, 1);
        add(&self.instantiate_ns, nanos(took));
    }

    pub(crate) fn called(
        &self,
        took: Duration,
        result: &Result<Vec<wasmux_core::Val>, Error>,
        fuel: Option<u64>,
        host_calls: u64,
    ) {
        add(&self.calls, 1);
        add(&self.call_ns, nanos(took));
        if matches!(result, Err(Error::Trap { .. })) {
            add(&self.traps, 1);
        }
        add(&self.fuel_consumed, fuel.unwrap_or(0));
        add(&self.host_calls, host_calls);
    }

    pub(crate) fn snapshot(&self, engine: &str) -> RuntimeMetrics {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        RuntimeMetrics {
            engine: engine.to_string(),
            modules_prepared: get(&self.modules_prepared),
            compile_ns: get(&self.compile_ns),
            cache_hits: get(&self.cache_hits),
            cache_misses: get(&self.cache_misses),
            instances: get(&self.instances),
            instantiate_ns: get(&self.instantiate_ns),
            calls: get(&self.calls),
            call_ns: get(&self.call_ns),
            traps: get(&self.traps),
            fuel_consumed: get(&self.fuel_consumed),
            host_calls: get(&self.host_calls),
        }
    }
}

/// Totals since the runtime was built; see [`crate::Runtime::metrics`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RuntimeMetrics {
    pub engine: String,
    /// Modules prepared (validated, rewritten, compiled or loaded from the cache).
    pub modules_prepared: u64,
    /// Time spent preparing them, cache loads included, in nanoseconds.
    pub compile_ns: u64,
    pub cache_hits: u64,
    pub cache_misses: u64,
    pub instances: u64,
    pub instantiate_ns: u64,
    /// Calls into guests (start functions included), with the time they took.
    pub calls: u64,
    pub call_ns: u64,
    /// Calls that ended in a trap.
    pub traps: u64,
    /// Fuel consumed by calls, where fuel is metered.
    pub fuel_consumed: u64,
    /// Calls guests made to host functions (WASI included).
    pub host_calls: u64,
}

impl RuntimeMetrics {
    /// The Prometheus text exposition format (version 0.0.4), every series labelled with the
    /// engine, for a server to expose at `/metrics`.
    pub fn prometheus(&self) -> String {
        let series: [(&str, &str, &str, u64); 11] = [
            (
                "modules_prepared_total",
                "counter",
                "Modules validated, rewritten and compiled or loaded",
                self.modules_prepared,
            ),
            (
                "compile_seconds_total",
                "counter",
                "Time spent preparing modules",
                self.compile_ns,
            ),
            (
                "cache_hits_total",
                "counter",
                "Modules loaded from the compile cache",
                self.cache_hits,
            ),
            (
                "cache_misses_total",
                "counter",
                "Modules compiled because the cache had no usable entry",
                self.cache_misses,
            ),
            (
                "instances_total",
                "counter",
                "Instances created",
                self.instances,
            ),
            (
                "instantiate_seconds_total",
                "counter",
                "Time spent instantiating",
                self.instantiate_ns,
            ),
            ("calls_total", "counter", "Calls into guests", self.calls),
            (
                "call_seconds_total",
                "counter",
                "Time spent in calls into guests",
                self.call_ns,
            ),
            (
                "traps_total",
                "counter",
                "Calls that ended in a trap",
                self.traps,
            ),
            (
                "fuel_consumed_total",
                "counter",
                "Fuel consumed by metered calls",
                self.fuel_consumed,
            ),
            (
                "host_calls_total",
                "counter",
                "Calls from guests to host functions",
                self.host_calls,
            ),
        ];
        let mut text = String::new();
        for (name, kind, help, value) in series {
            let _ = writeln!(text, "# HELP wasmux_{name} {help}.");
            let _ = writeln!(text, "# TYPE wasmux_{name} {kind}");
            let value = if name.contains("_seconds_") {
                format!("{}", value as f64 / 1e9)
            } else {
                value.to_string()
            };
            let _ = writeln!(text, "wasmux_{name}{{engine=\"{}\"}} {value}", self.engine);
        }
        text
    }
}
