//! A running module: calls with argument checks, limits, cancellation and per-call statistics.

use crate::imports::{HostFuncs, InstanceLinks, Link};
use crate::interrupt::{CancelHandle, InterruptState};
use crate::pool::{Slot, Slots};
use crate::prepared::PreparedModule;
use crate::runtime::Runtime;
use serde::Serialize;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use wasmux_core::{Error, ExportKind, ExportType, ExternHandle, FuncType, InstanceId, Store, Val};
use wasmux_instrument::{FUEL_GET_EXPORT, FUEL_SET_EXPORT, START_EXPORT};

/// What one call cost; `wasmux run --stats` prints it as one JSON line.
#[derive(Clone, Debug, Default, Serialize)]
pub struct CallStats {
    pub engine: String,
    /// `None` unless a fuel limit is set (fuel is only counted when metered).
    pub fuel_consumed: Option<u64>,
    pub wall_us: u64,
    pub peak_memory_bytes: u64,
    pub host_calls: u64,
}

/// An exported function, looked up once at instantiation.
struct Export {
    name: String,
    ty: FuncType,
    /// `None` where the engine hands out no handles for exports; calls then go by name.
    handle: Option<ExternHandle>,
}

/// An exported function of one instance, looked up once with [`Instance::func`] and called
/// with [`Instance::call_func`], which skips the lookup by name that [`Instance::call`] does.
#[derive(Clone, Debug)]
pub struct Func {
    instance: u64,
    index: usize,
    name: String,
    ty: FuncType,
}

impl Func {
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn ty(&self) -> &FuncType {
        &self.ty
    }
}

/// Tells instances apart, so that a `Func` of one is refused by another.
static NEXT_SERIAL: AtomicU64 = AtomicU64::new(0);

/// What the last call measured; the rest of [`CallStats`] is read when asked for.
#[derive(Default)]
struct LastCall {
    fuel_consumed: Option<u64>,
    wall: Duration,
    host_calls: u64,
}

pub struct Instance {
    runtime: Runtime,
    store: Box<dyn Store>,
    id: InstanceId,
    metered: bool,
    interrupt: Arc<InterruptState>,
    host_calls: Arc<AtomicU64>,
    serial: u64,
    funcs: Vec<Export>,
    by_name: HashMap<String, usize>,
    last: LastCall,
    /// Held while the instance lives, in a pooled runtime; declared last so that it is given
    /// back after the store (and the engine's own slot) is dropped.
    _slot: Option<Slot>,
}

impl Instance {
    pub(crate) fn new(prepared: &PreparedModule) -> Result<Instance, Error> {
        let started = Instant::now();
        let prepared = &prepared.0;
        let shared = prepared.runtime.shared();
        let slot = shared.pool.as_ref().map(Slots::take).transpose()?;
        let interrupt = Arc::new(InterruptState::default());
        let host_calls = Arc::new(AtomicU64::new(0));
        let mut per_instance = HostFuncs::new();
        // Made only for a module that imports what they may provide: a WASI context is not
        // opened for a module that does not use WASI.
        if prepared
            .links
            .iter()
            .any(|l| matches!(l, Link::PerInstance))
        {
            for make in &shared.per_instance {
                for (module, name, func) in make()? {
                    per_instance.entry((module, name)).or_insert(func);
                }
            }
        }
        let links = InstanceLinks {
            per_instance: &per_instance,
            unknown: shared.unknown_imports,
            host_calls: &host_calls,
            interrupt: &interrupt,
        };
        let imports = links.resolve(&prepared.code.imports, &prepared.links)?;
        let mut store = shared.engine.new_store(&shared.store)?;
        interrupt.call_boundary(shared.limits.timeout.map(|t| Instant::now() + t));
        let id = store.instantiate(prepared.code.compiled.as_ref(), &imports);
        interrupt.call_boundary(None);
        let id = id?;
        let funcs = func_exports(store.as_mut(), id);
        let by_name = funcs
            .iter()
            .enumerate()
            .map(|(i, e)| (e.name.clone(), i))
            .collect();
        let mut instance = Instance {
            runtime: prepared.runtime.clone(),
            store,
            id,
            metered: prepared.code.metered,
            interrupt,
            host_calls,
            serial: NEXT_SERIAL.fetch_add(1, Ordering::Relaxed),
            funcs,
            by_name,
            last: LastCall::default(),
            _slot: slot,
        };
        if let Some(fuel) = shared.limits.fuel.filter(|_| prepared.code.metered) {
            instance.set_fuel(fuel)?;
        }
        // Metering moves the start function out of the start section, so that it runs after
        // the fuel is set; it still runs before anything else, as the spec orders.
        if let Some(&start) = instance.by_name.get(START_EXPORT) {
            instance.call_internal(start, &[])?;
        }
        shared.counters.instantiated(started.elapsed());
        Ok(instance)
    }

    /// The exports a guest offers (wasmux's own instrumentation exports are hidden).
    pub fn exports(&self) -> Vec<ExportType> {
        self.store
            .exports(self.id)
            .into_iter()
            .filter(|e| !e.name.starts_with("__wasmux_"))
            .collect()
    }

    /// The index of the guest's function export `name`; wasmux's own exports are not the
    /// guest's.
    fn guest_func(&self, name: &str) -> Result<usize, Error> {
        match self.by_name.get(name) {
            Some(&index) if !name.starts_with("__wasmux_") => Ok(index),
            _ => Err(self.unknown_export(name)),
        }
    }

    pub fn func_type(&self, name: &str) -> Option<FuncType> {
        let index = self.guest_func(name).ok()?;
        Some(self.funcs[index].ty.clone())
    }

    /// Looks up an exported function once, for repeated calls with [`Instance::call_func`].
    pub fn func(&self, name: &str) -> Result<Func, Error> {
        let index = self.guest_func(name)?;
        Ok(Func {
            instance: self.serial,
            index,
            name: name.to_string(),
            ty: self.funcs[index].ty.clone(),
        })
    }

    /// Calls a function looked up with [`Instance::func`], after checking the arguments.
    pub fn call_func(&mut self, func: &Func, args: &[Val]) -> Result<Vec<Val>, Error> {
        if func.instance != self.serial {
            return Err(Error::ForeignFunc {
                name: func.name.clone(),
            });
        }
        check_args(&func.name, &func.ty, args)?;
        self.call_internal(func.index, args)
    }

    pub fn cancel_handle(&self) -> CancelHandle {
        CancelHandle(self.interrupt.clone())
    }

    /// Remaining fuel, when a fuel limit is set.
    pub fn fuel_remaining(&mut self) -> Option<u64> {
        if !self.metered {
            return None;
        }
        let get = *self.by_name.get(FUEL_GET_EXPORT)?;
        match self.call_export(get, &[]) {
            Ok(v) => match v.as_slice() {
                [Val::I64(left)] => Some(*left as u64),
                _ => None,
            },
            Err(_) => None,
        }
    }

    /// Refills the tank; only meaningful when the runtime has a fuel limit.
    pub fn set_fuel(&mut self, fuel: u64) -> Result<(), Error> {
        if !self.metered {
            return Err(Error::Limit(
                "fuel is not metered for this instance: build the runtime with a fuel limit".into(),
            ));
        }
        let fuel = fuel.min(i64::MAX as u64) as i64;
        let set = self.by_name.get(FUEL_SET_EXPORT).copied().ok_or_else(|| {
            Error::Limit("the instrumented module lacks its fuel accessors".into())
        })?;
        self.call_export(set, &[Val::I64(fuel)]).map(|_| ())
    }

    /// How often the guest has reached an interrupt check so far.
    pub fn interrupt_checks(&self) -> u64 {
        self.interrupt.checks()
    }

    /// What the last call cost. The memory size is read now: memory cannot shrink and does
    /// not change between calls, so it is the peak the call reached.
    pub fn last_call_stats(&mut self) -> CallStats {
        CallStats {
            engine: self.runtime.engine().info().name.clone(),
            fuel_consumed: self.last.fuel_consumed,
            wall_us: self.last.wall.as_micros() as u64,
            peak_memory_bytes: self.store.memory_size(self.id).unwrap_or(0),
            host_calls: self.last.host_calls,
        }
    }

    fn unknown_export(&self, func: &str) -> Error {
        Error::UnknownExport {
            name: func.to_string(),
            available: self
                .exports()
                .into_iter()
                .filter(|e| e.kind == ExportKind::Func)
                .map(|e| e.name)
                .collect(),
        }
    }

    /// Calls an exported function after checking the arguments against its signature.
    pub fn call(&mut self, func: &str, args: &[Val]) -> Result<Vec<Val>, Error> {
        let index = self.guest_func(func)?;
        check_args(func, &self.funcs[index].ty, args)?;
        self.call_internal(index, args)
    }

    /// Calls an export through its handle where the engine gave one.
    fn call_export(&mut self, index: usize, args: &[Val]) -> Result<Vec<Val>, Error> {
        let export = &self.funcs[index];
        match export.handle {
            Some(handle) => self.store.call_handle(handle, args),
            None => self.store.call(self.id, &export.name, args),
        }
    }

    /// A call with limits and statistics, but no argument checks and no hiding of wasmux's own
    /// exports.
    fn call_internal(&mut self, func: usize, args: &[Val]) -> Result<Vec<Val>, Error> {
        let fuel_before = self.fuel_remaining();
        let calls_before = self.host_calls.load(Ordering::Relaxed);
        let started = Instant::now();
        self.interrupt.call_boundary(
            self.runtime
                .limits()
                .timeout
                .map(|timeout| started + timeout),
        );
        let result = self.call_export(func, args);
        self.interrupt.call_boundary(None);
        let wall = started.elapsed();
        let fuel_after = self.fuel_remaining();
        self.last = LastCall {
            fuel_consumed: fuel_before
                .zip(fuel_after)
                .map(|(b, a)| b.saturating_sub(a)),
            wall,
            host_calls: self.host_calls.load(Ordering::Relaxed) - calls_before,
        };
        self.runtime.shared().counters.called(
            wall,
            &result,
            self.last.fuel_consumed,
            self.last.host_calls,
        );
        result
    }

    /// Parses command-line strings as the arguments of `func`, then calls it.
    pub fn call_with_strings(&mut self, func: &str, args: &[String]) -> Result<Vec<Val>, Error> {
        let vals = self.parse_args(func, args)?;
        self.call(func, &vals)
    }

    /// Command-line strings parsed as the arguments of `func`, once, for calls to come.
    pub fn parse_args(&self, func: &str, args: &[String]) -> Result<Vec<Val>, Error> {
        let ty = &self.funcs[self.guest_func(func)?].ty;
        check_count(func, ty, args.len())?;
        ty.params
            .iter()
            .zip(args)
            .enumerate()
            .map(|(i, (t, a))| {
                Val::parse(*t, a).map_err(|message| Error::ArgumentType {
                    func: func.to_string(),
                    index: i,
                    expected: t.to_string(),
                    given: message,
                })
            })
            .collect()
    }
}

/// Every function export with its type and, where the engine has them, a handle to call it by.
fn func_exports(store: &mut dyn Store, id: InstanceId) -> Vec<Export> {
    let funcs: Vec<_> = store
        .exports(id)
        .into_iter()
        .filter_map(|e| Some((e.name, e.func?)))
        .collect();
    funcs
        .into_iter()
        .map(|(name, ty)| {
            let handle = store.export(id, &name);
            Export { name, ty, handle }
        })
        .collect()
}

fn check_count(func: &str, ty: &FuncType, given: usize) -> Result<(), Error> {
    if ty.params.len() == given {
        return Ok(());
    }
    Err(Error::ArgumentCount {
        func: func.to_string(),
        expected: ty.params.len(),
        given,
        signature: ty.to_string(),
    })
}

fn check_args(func: &str, ty: &FuncType, args: &[Val]) -> Result<(), Error> {
    check_count(func, ty, args.len())?;
    for (i, (want, got)) in ty.params.iter().zip(args).enumerate() {
        if *want != got.ty() {
            return Err(Error::ArgumentType {
                func: func.to_string(),
                index: i,
                expected: want.to_string(),
                given: got.ty().to_string(),
            });
        }
    }
    Ok(())
}

impl std::fmt::Debug for Instance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Instance")
            .field("engine", &self.runtime.engine().info().name)
            .field("serial", &self.serial)
            .finish_non_exhaustive()
    }
}
