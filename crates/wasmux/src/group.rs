//! Instances of one store, as an [`crate::Instance`] (a group of one) and a [`crate::Linker`]
//! hold them: the store, its one fuel tank, its interrupt state and host-call counter, how a
//! prepared module is instantiated into it, and calls under the runtime's limits.
//!
//! The limits hold across every instance of the group, whichever module the code of a call runs
//! in: metered modules import the tank (`wasmux_rt.fuel`, one global per store), so a call is
//! charged what it runs in every module it reaches; every instance's interrupt check reads the
//! group's one deadline and cancel flag; and a memory keeps the cap its defining module was
//! rewritten with, whoever imports it.

use crate::imports::{
    describe, import_of, HostFuncs, ImportKind, InstanceLinks, Link, ModuleImport,
};
use crate::instance::CallStats;
use crate::interrupt::InterruptState;
use crate::pool::{Slot, Slots};
use crate::prepared::{Prepared, PreparedModule};
use crate::runtime::Runtime;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use wasmux_core::{
    Backtrace, Error, ExportKind, ExportType, ExternHandle, FuncType, GlobalType, ImportValue,
    InstanceId, Store, Val, ValType,
};
use wasmux_instrument::{
    FUEL_GET_EXPORT, FUEL_IMPORT, FUEL_SET_EXPORT, RUNTIME_MODULE, START_EXPORT,
};

/// An exported function, looked up once at instantiation.
pub(crate) struct Export {
    pub name: String,
    pub ty: FuncType,
    /// `None` where the engine hands out no handles for exports; calls then go by name.
    pub handle: Option<ExternHandle>,
}

/// One instance of the group and its function exports.
pub(crate) struct Member {
    pub id: InstanceId,
    pub funcs: Vec<Export>,
    pub by_name: HashMap<String, usize>,
}

/// What the last call measured; the rest of [`crate::CallStats`] is read when asked for.
#[derive(Default)]
pub(crate) struct LastCall {
    pub fuel_consumed: Option<u64>,
    pub wall: Duration,
    pub host_calls: u64,
    /// The instance called, whose memory the statistics report.
    pub instance: Option<InstanceId>,
}

/// What a linker provides under one (module, field) name: an export of one of its instances
/// or an extern the host made in its store.
#[derive(Clone, Debug)]
pub(crate) struct Definition {
    pub handle: ExternHandle,
    pub kind: ExportKind,
    /// The function's type, or the global's value type, where known: what imports are checked
    /// against before the engine checks the rest (mutability, limits).
    pub func: Option<FuncType>,
    pub global: Option<ValType>,
}

/// What a linker provides, by (module, field).
pub(crate) type Definitions = HashMap<(String, String), Definition>;

pub(crate) struct Group {
    pub runtime: Runtime,
    pub store: Box<dyn Store>,
    pub interrupt: Arc<InterruptState>,
    host_calls: Arc<AtomicU64>,
    /// The fuel tank every metered module of the store imports, made with the first one.
    tank: Option<ExternHandle>,
    /// The fuel accessors of one metered member: every member's read and fill the one tank.
    gauge: Option<(InstanceId, Export, Export)>,
    pub last: LastCall,
    /// The prepared module of each instance, to name the frames of a trap.
    pub modules: Vec<(InstanceId, Arc<Prepared>)>,
    /// Held while the group lives, in a pooled runtime; declared last so that it is given
    /// back after the store (and the engine's own slot) is dropped.
    _slot: Option<Slot>,
}

impl Group {
    pub(crate) fn new(runtime: &Runtime) -> Result<Group, Error> {
        let shared = runtime.shared();
        let slot = shared.pool.as_ref().map(Slots::take).transpose()?;
        let store = shared.engine.new_store(&shared.store)?;
        Ok(Group {
            runtime: runtime.clone(),
            store,
            interrupt: Arc::default(),
            host_calls: Arc::default(),
            tank: None,
            gauge: None,
            last: LastCall::default(),
            modules: Vec::new(),
            _slot: slot,
        })
    }

    pub(crate) fn metered(&self) -> bool {
        self.runtime.shared().rewrite.opts.fuel
    }

    /// Instantiates `prepared` into the store, its imports taken from `defined` first, then
    /// from the runtime; runs its start function.
    pub(crate) fn add(
        &mut self,
        prepared: &PreparedModule,
        defined: Option<&Definitions>,
    ) -> Result<Member, Error> {
        let started = Instant::now();
        let prepared = &prepared.0;
        if !prepared.runtime.same(&self.runtime) {
            return Err(Error::engine(
                &self.runtime.engine().info().name,
                format!(
                    "`{}` was prepared by another runtime: its code and limits may differ",
                    prepared.code.name
                ),
            ));
        }
        let runtime = self.runtime.clone();
        let shared = runtime.shared();
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
        let (host_calls, interrupt) = (self.host_calls.clone(), self.interrupt.clone());
        let links = InstanceLinks {
            per_instance: &per_instance,
            unknown: shared.unknown_imports,
            host_calls: &host_calls,
            interrupt: &interrupt,
        };
        let mut imports = Vec::with_capacity(prepared.code.imports.len());
        let mut missing = Vec::new();
        for (import, link) in prepared.code.imports.iter().zip(&prepared.links) {
            let value = if import.module == RUNTIME_MODULE && import.name == FUEL_IMPORT {
                Some(ImportValue::Extern(self.tank()?))
            } else if let Some(def) = defined.and_then(|d| d.get(&key(import))) {
                checked(import, def)?;
                Some(ImportValue::Extern(def.handle))
            } else {
                links.resolve(import, link)?
            };
            match value {
                Some(value) => imports.push(import_of(import, value)),
                None => missing.push(describe(import)),
            }
        }
        if !missing.is_empty() {
            return Err(Error::UnresolvedImports(missing));
        }
        let deadline = shared.limits.timeout.map(|t| Instant::now() + t);
        self.interrupt.call_boundary(deadline);
        let id = self
            .store
            .instantiate(prepared.code.compiled.as_ref(), &imports);
        self.interrupt.call_boundary(None);
        let id = match id {
            Ok(id) => id,
            Err(mut e) => {
                // A start function the engine ran itself trapped: its frames are this module's.
                if let Error::Trap { backtrace, .. } = &mut e {
                    backtrace.frames.iter_mut().for_each(|f| f.instance = None);
                    let this = [(InstanceId(u32::MAX), prepared.clone())];
                    let compiled = crate::trap_report::Coordinates::Compiled;
                    crate::trap_report::resolve_all(backtrace, &this, compiled);
                }
                return Err(e);
            }
        };
        self.modules.push((id, prepared.clone()));
        let member = member(self.store.as_mut(), id);
        if self.gauge.is_none() && self.metered() {
            let get = member.export(FUEL_GET_EXPORT);
            let set = member.export(FUEL_SET_EXPORT);
            if let (Some(get), Some(set)) = (get, set) {
                self.gauge = Some((id, get, set));
            }
        }
        // Metering moves the start function out of the start section, so that it runs with
        // the tank in place; it still runs before anything else, as the spec orders.
        if let Some(&start) = member.by_name.get(START_EXPORT) {
            self.call(&member, start, &[])?;
        }
        shared.counters.instantiated(started.elapsed());
        Ok(member)
    }

    /// The store's fuel tank, made full (with the runtime's fuel) the first time a module asks.
    fn tank(&mut self) -> Result<ExternHandle, Error> {
        if let Some(tank) = self.tank {
            return Ok(tank);
        }
        let fuel = self
            .runtime
            .limits()
            .fuel
            .map_or(-1, |f| f.min(i64::MAX as u64) as i64);
        let ty = GlobalType {
            content: ValType::I64,
            mutable: true,
        };
        // The tank holds an unsigned count in an i64: -1 reads as full.
        let tank = self.store.new_global(ty, Val::I64(fuel))?;
        self.tank = Some(tank);
        Ok(tank)
    }

    /// Calls function `index` of `member` under the runtime's limits, and measures it.
    pub(crate) fn call(
        &mut self,
        member: &Member,
        index: usize,
        args: &[Val],
    ) -> Result<Vec<Val>, Error> {
        let fuel_before = self.fuel_remaining();
        let calls_before = self.host_calls.load(Ordering::Relaxed);
        let started = Instant::now();
        let timeout = self.runtime.limits().timeout;
        self.interrupt
            .call_boundary(timeout.map(|timeout| started + timeout));
        let mut result = call_export(self.store.as_mut(), member.id, &member.funcs[index], args);
        self.interrupt.call_boundary(None);
        if let Err(Error::Trap { backtrace, .. }) = &mut result {
            self.name_frames(member.id, backtrace);
        }
        let wall = started.elapsed();
        let fuel_after = self.fuel_remaining();
        self.last = LastCall {
            fuel_consumed: fuel_before
                .zip(fuel_after)
                .map(|(b, a)| b.saturating_sub(a)),
            wall,
            host_calls: self.host_calls.load(Ordering::Relaxed) - calls_before,
            instance: Some(member.id),
        };
        self.runtime.shared().counters.called(
            wall,
            &result,
            self.last.fuel_consumed,
            self.last.host_calls,
        );
        result
    }

    /// The frames of a trap out of a call to `called`, named as the users' modules have them.
    #[cold]
    fn name_frames(&mut self, called: InstanceId, backtrace: &mut Backtrace) {
        let engine_frames = std::mem::take(backtrace);
        let others: Vec<InstanceId> = self.modules.iter().map(|(id, _)| *id).collect();
        let (frames, coordinates) =
            crate::trap_report::guest_frames(self.store.as_mut(), called, &others, engine_frames);
        *backtrace = frames;
        crate::trap_report::resolve_all(backtrace, &self.modules, coordinates);
    }

    /// Fuel left in the group's tank, when a fuel limit is set.
    pub(crate) fn fuel_remaining(&mut self) -> Option<u64> {
        let (id, get, _) = self.gauge.as_ref()?;
        match call_export(self.store.as_mut(), *id, get, &[]) {
            Ok(v) => match v.as_slice() {
                [Val::I64(left)] => Some(*left as u64),
                _ => None,
            },
            Err(_) => None,
        }
    }

    /// Refills the group's tank.
    pub(crate) fn set_fuel(&mut self, fuel: u64) -> Result<(), Error> {
        if !self.metered() {
            return Err(Error::Limit(
                "fuel is not metered for this instance: build the runtime with a fuel limit".into(),
            ));
        }
        let Some((id, _, set)) = self.gauge.as_ref() else {
            return Err(Error::Limit(
                "no instrumented module has been instantiated to hold the fuel".into(),
            ));
        };
        let fuel = fuel.min(i64::MAX as u64) as i64;
        call_export(self.store.as_mut(), *id, set, &[Val::I64(fuel)]).map(|_| ())
    }

    /// What the last call cost. The memory size is read now: memory cannot shrink and does
    /// not change between calls, so it is the peak the call reached.
    pub(crate) fn last_call_stats(&mut self) -> CallStats {
        let memory = self.last.instance.and_then(|id| self.store.memory_size(id));
        CallStats {
            engine: self.runtime.engine().info().name.clone(),
            fuel_consumed: self.last.fuel_consumed,
            wall_us: self.last.wall.as_micros() as u64,
            peak_memory_bytes: memory.unwrap_or(0),
            host_calls: self.last.host_calls,
        }
    }
}

impl Member {
    /// The exports a guest offers (wasmux's own instrumentation exports are hidden).
    pub(crate) fn guest_exports(&self, store: &dyn Store) -> Vec<ExportType> {
        store
            .exports(self.id)
            .into_iter()
            .filter(|e| !e.name.starts_with(HIDDEN))
            .collect()
    }

    /// The index of the guest's function export `name`; wasmux's own exports are not the
    /// guest's.
    pub(crate) fn guest_func(&self, store: &dyn Store, name: &str) -> Result<usize, Error> {
        match self.by_name.get(name) {
            Some(&index) if !name.starts_with(HIDDEN) => Ok(index),
            _ => Err(Error::UnknownExport {
                name: name.to_string(),
                available: self
                    .guest_exports(store)
                    .into_iter()
                    .filter(|e| e.kind == ExportKind::Func)
                    .map(|e| e.name)
                    .collect(),
            }),
        }
    }

    fn export(&self, name: &str) -> Option<Export> {
        let e = &self.funcs[*self.by_name.get(name)?];
        Some(Export {
            name: e.name.clone(),
            ty: e.ty.clone(),
            handle: e.handle,
        })
    }
}

fn key(import: &ModuleImport) -> (String, String) {
    (import.module.clone(), import.name.clone())
}

/// `Ok` unless what is defined under an import's name has another kind or type than the module
/// declares (mutability and limits are left to the engine, which knows the current sizes).
fn checked(import: &ModuleImport, def: &Definition) -> Result<(), Error> {
    let found = match (&import.kind, def.kind, &def.func) {
        (ImportKind::Func(want), ExportKind::Func, Some(have)) if want == have => None,
        (_, ExportKind::Func, Some(have)) => Some(format!("a function {have}")),
        (ImportKind::Global(want), ExportKind::Global, _) => match def.global {
            Some(have) if have != want.content => Some(format!("a global {have}")),
            _ => None,
        },
        (ImportKind::Other(want), kind, _) if *want == kind_name(kind) => None,
        (ImportKind::Func(_), ExportKind::Func, None) => None,
        (_, kind, _) => Some(format!("a {}", kind_name(kind))),
    };
    match found {
        None => Ok(()),
        Some(found) => Err(Error::MistypedImport {
            module: import.module.clone(),
            name: import.name.clone(),
            expected: import.kind.expected(),
            found,
        }),
    }
}

/// The prefix of the exports instrumentation adds.
pub(crate) const HIDDEN: &str = "__wasmux_";

fn kind_name(kind: ExportKind) -> &'static str {
    match kind {
        ExportKind::Func => "function",
        ExportKind::Table => "table",
        ExportKind::Memory => "memory",
        ExportKind::Global => "global",
        ExportKind::Tag => "tag",
    }
}

/// Calls an export through its handle where the engine gave one.
fn call_export(
    store: &mut dyn Store,
    id: InstanceId,
    export: &Export,
    args: &[Val],
) -> Result<Vec<Val>, Error> {
    match export.handle {
        Some(handle) => store.call_handle(handle, args),
        None => store.call(id, &export.name, args),
    }
}

/// Every function export of `id` with its type and, where the engine has them, a handle to
/// call it by.
fn member(store: &mut dyn Store, id: InstanceId) -> Member {
    let funcs: Vec<_> = store
        .exports(id)
        .into_iter()
        .filter_map(|e| Some((e.name, e.func?)))
        .collect();
    let funcs: Vec<Export> = funcs
        .into_iter()
        .map(|(name, ty)| {
            let handle = store.export(id, &name);
            Export { name, ty, handle }
        })
        .collect();
    let by_name = funcs
        .iter()
        .enumerate()
        .map(|(i, e)| (e.name.clone(), i))
        .collect();
    Member { id, funcs, by_name }
}
