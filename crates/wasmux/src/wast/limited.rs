//! Scripts run under limits: every module rewritten by `wasmux-instrument` exactly as
//! `--fuel` / `--timeout` rewrite it, with the fuel set and the start function run the way
//! [`crate::Instance`] does, and the fuel each directive consumed added up over every instance.

use crate::interrupt::{runtime_func, InterruptState};
use crate::prepare::instrument_options;
use std::sync::Arc;
use std::time::{Duration, Instant};
use wasmux_core::{Engine, Error, ExternHandle, HostFunc, InstanceId, Limits, Store, Val};
use wasmux_instrument::{Options, FUEL_GET_EXPORT, FUEL_SET_EXPORT, START_EXPORT};

/// The fuel gauge of one metered instance.
struct Gauge {
    instance: InstanceId,
    /// `None` where the engine hands out no handles; the gauge is then read by name.
    get: Option<ExternHandle>,
}

pub(crate) struct Limited {
    rewrite: Options,
    fuel: Option<u64>,
    timeout: Option<Duration>,
    interrupt: Arc<InterruptState>,
    /// Every metered instance of the script's store, including those whose start function
    /// trapped: their code may still run through tables they filled.
    gauges: Vec<Gauge>,
}

impl Limited {
    pub(crate) fn new(engine: &dyn Engine, limits: &Limits) -> Self {
        Limited {
            rewrite: instrument_options(engine, limits, false),
            fuel: limits.fuel,
            timeout: limits.timeout,
            interrupt: Arc::default(),
            gauges: Vec::new(),
        }
    }

    /// How modules are rewritten before they are compiled.
    pub(crate) fn rewrite(&self) -> &Options {
        &self.rewrite
    }

    /// Whether rewriting adds the runtime's imports, which this then provides.
    pub(crate) fn instrumented(&self) -> bool {
        self.rewrite.fuel || self.rewrite.interrupt
    }

    /// The host function for an import that instrumentation added.
    pub(crate) fn runtime_func(&self, name: &str) -> Result<HostFunc, Error> {
        runtime_func(name, &self.interrupt)
    }

    /// Runs `f` with the timeout's deadline armed, as [`crate::Instance`] arms it per call.
    pub(crate) fn timed<T>(&self, f: impl FnOnce() -> T) -> T {
        if let Some(timeout) = self.timeout {
            self.interrupt.set_deadline(Some(Instant::now() + timeout));
        }
        let result = f();
        self.interrupt.set_deadline(None);
        result
    }

    /// What follows a successful instantiation: the tank is filled, then the start function
    /// that metering moved out of the start section runs, as it would have during
    /// instantiation.
    pub(crate) fn started(
        &mut self,
        store: &mut dyn Store,
        instance: InstanceId,
    ) -> Result<InstanceId, Error> {
        let Some(fuel) = self.fuel else {
            return Ok(instance);
        };
        let exports = store.exports(instance);
        let has = |name: &str| exports.iter().any(|e| e.name == name);
        if !has(FUEL_SET_EXPORT) || !has(FUEL_GET_EXPORT) {
            return Err(Error::Limit(
                "the instrumented module lacks its fuel accessors".into(),
            ));
        }
        let tank = Val::I64(fuel.min(i64::MAX as u64) as i64);
        store.call(instance, FUEL_SET_EXPORT, &[tank])?;
        let get = store.export(instance, FUEL_GET_EXPORT);
        self.gauges.push(Gauge { instance, get });
        if has(START_EXPORT) {
            self.timed(|| store.call(instance, START_EXPORT, &[]))?;
        }
        Ok(instance)
    }

    /// Fuel consumed so far by every instance of the store together, or `None` without fuel.
    pub(crate) fn used(&self, store: &mut dyn Store) -> Result<Option<u64>, Error> {
        let Some(fuel) = self.fuel else {
            return Ok(None);
        };
        let tank = fuel.min(i64::MAX as u64);
        let mut used = 0u64;
        for gauge in &self.gauges {
            let left = match gauge.get {
                Some(handle) => store.call_handle(handle, &[])?,
                None => store.call(gauge.instance, FUEL_GET_EXPORT, &[])?,
            };
            let [Val::I64(left)] = left[..] else {
                return Err(Error::Limit(format!(
                    "{FUEL_GET_EXPORT} returned {left:?}, not one i64"
                )));
            };
            used += tank.saturating_sub(left as u64);
        }
        Ok(Some(used))
    }
}
