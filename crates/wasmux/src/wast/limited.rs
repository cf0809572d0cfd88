//! Scripts run under limits: every module rewritten by `wasmux-instrument` exactly as
//! `--fuel` / `--timeout` rewrite it, with the start function run the way [`crate::Instance`]
//! runs it, and one fuel tank for the script's store, as a [`crate::Linker`] has: every
//! instance draws from it, so the fuel a directive consumed is what the tank lost.

use crate::interrupt::{runtime_func, InterruptState};
use crate::prepare::instrument_options;
use std::sync::Arc;
use std::time::{Duration, Instant};
use wasmux_core::{
    Engine, Error, ExternHandle, GlobalType, HostFunc, InstanceId, Limits, Store, Val, ValType,
};
use wasmux_instrument::{Options, FUEL_GET_EXPORT, START_EXPORT};

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
    /// The store's one tank, made when the first metered module imports it.
    tank: Option<ExternHandle>,
    /// The fuel accessor of the first metered instance (whose start function may have
    /// trapped: the instance still exists, and reads the one tank).
    gauge: Option<Gauge>,
}

impl Limited {
    pub(crate) fn new(engine: &dyn Engine, limits: &Limits) -> Self {
        Limited {
            rewrite: instrument_options(engine, limits, false),
            fuel: limits.fuel,
            timeout: limits.timeout,
            interrupt: Arc::default(),
            tank: None,
            gauge: None,
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

    /// The store's fuel tank, which every metered module imports; full at first.
    pub(crate) fn tank(&mut self, store: &mut dyn Store) -> Result<ExternHandle, Error> {
        if let Some(tank) = self.tank {
            return Ok(tank);
        }
        let ty = GlobalType {
            content: ValType::I64,
            mutable: true,
        };
        let tank = store.new_global(ty, Val::I64(self.full() as i64))?;
        self.tank = Some(tank);
        Ok(tank)
    }

    fn full(&self) -> u64 {
        self.fuel.unwrap_or(u64::MAX).min(i64::MAX as u64)
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

    /// What follows a successful instantiation: the start function that metering moved out
    /// of the start section runs, as it would have during instantiation.
    pub(crate) fn started(
        &mut self,
        store: &mut dyn Store,
        instance: InstanceId,
    ) -> Result<InstanceId, Error> {
        if self.fuel.is_none() {
            return Ok(instance);
        }
        let exports = store.exports(instance);
        let has = |name: &str| exports.iter().any(|e| e.name == name);
        if !has(FUEL_GET_EXPORT) {
            return Err(Error::Limit(
                "the instrumented module lacks its fuel accessors".into(),
            ));
        }
        if self.gauge.is_none() {
            let get = store.export(instance, FUEL_GET_EXPORT);
            self.gauge = Some(Gauge { instance, get });
        }
        if has(START_EXPORT) {
            self.timed(|| store.call(instance, START_EXPORT, &[]))?;
        }
        Ok(instance)
    }

    /// Fuel consumed so far by every instance of the store together, or `None` without fuel.
    pub(crate) fn used(&self, store: &mut dyn Store) -> Result<Option<u64>, Error> {
        if self.fuel.is_none() {
            return Ok(None);
        }
        let Some(gauge) = &self.gauge else {
            return Ok(Some(0));
        };
        let left = match gauge.get {
            Some(handle) => store.call_handle(handle, &[])?,
            None => store.call(gauge.instance, FUEL_GET_EXPORT, &[])?,
        };
        let [Val::I64(left)] = left[..] else {
            return Err(Error::Limit(format!(
                "{FUEL_GET_EXPORT} returned {left:?}, not one i64"
            )));
        };
        Ok(Some(self.full().saturating_sub(left as u64)))
    }
}
