//! `Linker`: instances of one store that import each other's exports by name, under one set
//! of limits for every call, whichever module the call's code runs in.

use crate::group::{Definition, Definitions, Group, Member, HIDDEN};
use crate::instance::{check_args, CallStats, Instance};
use crate::interrupt::CancelHandle;
use crate::prepared::PreparedModule;
use crate::runtime::Runtime;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use wasmux_core::{
    Error, ExportKind, ExportType, ExternHandle, FuncType, GlobalType, MemoryType, TableType, Val,
};

/// Instances of one store, each registered under a module name (`ns/dep`) that the imports of
/// modules instantiated after it name. A module's import `(module, field)` is taken from what
/// the linker defines under that pair (the export `field` of the instance registered as
/// `module`, an export [`Linker::define`]d under another name, an extern the host made with
/// [`Linker::define_global`] and its kin), then from the runtime's host functions and WASI, as
/// [`PreparedModule::instantiate`] links them.
///
/// The runtime's limits hold across the link: one fuel tank for the whole store (a call is
/// charged for what it runs in every module it reaches, and its statistics say so), one
/// deadline and one cancel handle for every instance, and a memory's cap wherever it is
/// imported. In a pooled runtime a linker holds one slot of the pool, whatever the number of
/// its instances.
///
/// ```no_run
/// use wasmux::{Module, Runtime, Val};
/// let runtime = Runtime::builder().engine("wasmi").fuel(1_000_000).build()?;
/// let mut linker = runtime.linker()?;
/// linker.instantiate("ns/dep", &runtime.prepare(&Module::from_file("dep.wat")?)?)?;
/// let app = linker.instantiate("app", &runtime.prepare(&Module::from_file("app.wat")?)?)?;
/// let out = linker.call(app, "run", &[Val::I32(7)])?;
/// println!("{out:?}, fuel: {:?}", linker.last_call_stats().fuel_consumed);
/// # Ok::<(), wasmux::Error>(())
/// ```
pub struct Linker {
    group: Group,
    serial: u64,
    /// Every instance, with the name it was last registered under.
    members: Vec<(Option<String>, Member)>,
    by_name: HashMap<String, usize>,
    defined: Definitions,
}

/// An instance of a [`Linker`]; refused by every other linker.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct LinkedInstance {
    linker: u64,
    index: usize,
}

/// Tells linkers apart, so that a `LinkedInstance` of one is refused by another.
static NEXT_LINKER: AtomicU64 = AtomicU64::new(0);

impl Linker {
    pub(crate) fn new(runtime: &Runtime) -> Result<Linker, Error> {
        Ok(Linker {
            group: Group::new(runtime)?,
            serial: NEXT_LINKER.fetch_add(1, Ordering::Relaxed),
            members: Vec::new(),
            by_name: HashMap::new(),
            defined: HashMap::new(),
        })
    }

    /// Instantiates `module` in the linker's store, its imports resolved from the instances
    /// already there first, and registers it as `name` for the modules that follow. A name is
    /// registered once this way ([`Linker::register`] may replace it).
    pub fn instantiate(
        &mut self,
        name: &str,
        module: &PreparedModule,
    ) -> Result<LinkedInstance, Error> {
        if self.by_name.contains_key(name) {
            return Err(Error::Instantiation(format!(
                "the linker already has an instance named `{name}`"
            )));
        }
        let instance = self.instantiate_unnamed(module)?;
        self.register(name, instance)?;
        Ok(instance)
    }

    /// Instantiates `module` in the linker's store without registering it: its exports are
    /// reached through the handle, or once it is [`Linker::register`]ed.
    pub fn instantiate_unnamed(
        &mut self,
        module: &PreparedModule,
    ) -> Result<LinkedInstance, Error> {
        let member = self.group.add(module, Some(&self.defined))?;
        self.members.push((None, member));
        Ok(LinkedInstance {
            linker: self.serial,
            index: self.members.len() - 1,
        })
    }

    /// Registers `instance` as `name`: its exports provide the imports `name::field` of modules
    /// instantiated later, replacing what was registered as `name` before.
    pub fn register(&mut self, name: &str, instance: LinkedInstance) -> Result<(), Error> {
        let id = self.member(instance)?.id;
        let store = self.group.store.as_mut();
        for export in store.exports(id) {
            if export.name.starts_with(HIDDEN) {
                continue;
            }
            let Some(handle) = store.export(id, &export.name) else {
                continue;
            };
            let global = match export.kind {
                ExportKind::Global => store.global_get(id, &export.name).map(|v| v.ty()),
                _ => None,
            };
            let def = Definition {
                handle,
                kind: export.kind,
                func: export.func,
                global,
            };
            self.defined.insert((name.to_string(), export.name), def);
        }
        self.by_name.insert(name.to_string(), instance.index);
        self.members[instance.index].0 = Some(name.to_string());
        Ok(())
    }

    /// Provides the import `module::name` of modules instantiated later with the export
    /// `export` of `from`, whatever `from` is registered as.
    pub fn define(
        &mut self,
        module: &str,
        name: &str,
        from: LinkedInstance,
        export: &str,
    ) -> Result<(), Error> {
        let id = self.member(from)?.id;
        let store = self.group.store.as_mut();
        let found = store
            .exports(id)
            .into_iter()
            .find(|e| e.name == export && !e.name.starts_with(HIDDEN));
        let (Some(found), Some(handle)) = (found, store.export(id, export)) else {
            return Err(Error::UnknownExport {
                name: export.to_string(),
                available: self.exports(from)?.into_iter().map(|e| e.name).collect(),
            });
        };
        let global = match found.kind {
            ExportKind::Global => store.global_get(id, export).map(|v| v.ty()),
            _ => None,
        };
        let def = Definition {
            handle,
            kind: found.kind,
            func: found.func,
            global,
        };
        self.defined
            .insert((module.to_string(), name.to_string()), def);
        Ok(())
    }

    /// A global the host makes in the linker's store, provided as `module::name`.
    pub fn define_global(
        &mut self,
        module: &str,
        name: &str,
        ty: GlobalType,
        init: Val,
    ) -> Result<(), Error> {
        let handle = self.group.store.new_global(ty, init)?;
        self.host_extern(module, name, handle, ExportKind::Global, Some(ty.content));
        Ok(())
    }

    /// A memory the host makes in the linker's store, provided as `module::name`.
    pub fn define_memory(&mut self, module: &str, name: &str, ty: MemoryType) -> Result<(), Error> {
        let handle = self.group.store.new_memory(ty)?;
        self.host_extern(module, name, handle, ExportKind::Memory, None);
        Ok(())
    }

    /// A table the host makes in the linker's store, provided as `module::name`.
    pub fn define_table(&mut self, module: &str, name: &str, ty: TableType) -> Result<(), Error> {
        let handle = self.group.store.new_table(ty)?;
        self.host_extern(module, name, handle, ExportKind::Table, None);
        Ok(())
    }

    fn host_extern(
        &mut self,
        module: &str,
        name: &str,
        handle: ExternHandle,
        kind: ExportKind,
        global: Option<wasmux_core::ValType>,
    ) {
        let def = Definition {
            handle,
            kind,
            func: None,
            global,
        };
        self.defined
            .insert((module.to_string(), name.to_string()), def);
    }

    /// The instance registered as `name`.
    pub fn instance(&self, name: &str) -> Option<LinkedInstance> {
        self.by_name.get(name).map(|&index| LinkedInstance {
            linker: self.serial,
            index,
        })
    }

    /// The name `instance` was last registered under, if any.
    pub fn name(&self, instance: LinkedInstance) -> Result<Option<&str>, Error> {
        self.check(instance)?;
        Ok(self.members[instance.index].0.as_deref())
    }

    /// The type of the exported function `func` of `instance`, if it has one wasmux values
    /// can express.
    pub fn func_type(&self, instance: LinkedInstance, func: &str) -> Option<FuncType> {
        let member = self.member(instance).ok()?;
        let index = member.guest_func(self.group.store.as_ref(), func).ok()?;
        Some(member.funcs[index].ty.clone())
    }

    /// The current value of the exported global `name` of `instance`.
    pub fn global(&mut self, instance: LinkedInstance, name: &str) -> Option<Val> {
        let id = self.member(instance).ok()?.id;
        if name.starts_with(HIDDEN) {
            return None;
        }
        self.group.store.global_get(id, name)
    }

    /// The exports `instance` offers (wasmux's own are hidden).
    pub fn exports(&self, instance: LinkedInstance) -> Result<Vec<ExportType>, Error> {
        let member = self.member(instance)?;
        Ok(member.guest_exports(self.group.store.as_ref()))
    }

    /// Calls the exported function `func` of `instance` after checking the arguments, under
    /// the runtime's limits: the fuel it consumes in any instance of the linker comes from the
    /// one tank, and the timeout and cancel handle stop it in whichever instance it runs.
    pub fn call(
        &mut self,
        instance: LinkedInstance,
        func: &str,
        args: &[Val],
    ) -> Result<Vec<Val>, Error> {
        self.check(instance)?;
        let member = &self.members[instance.index].1;
        let index = member.guest_func(self.group.store.as_ref(), func)?;
        check_args(func, &member.funcs[index].ty, args)?;
        self.group.call(member, index, args)
    }

    /// What the last call cost, in every instance it ran in; the memory reported is the
    /// called instance's.
    pub fn last_call_stats(&mut self) -> CallStats {
        self.group.last_call_stats()
    }

    /// Fuel left in the linker's one tank, when a fuel limit is set.
    pub fn fuel_remaining(&mut self) -> Option<u64> {
        self.group.fuel_remaining()
    }

    /// Refills the linker's one tank.
    pub fn set_fuel(&mut self, fuel: u64) -> Result<(), Error> {
        self.group.set_fuel(fuel)
    }

    /// Stops the call running now, in whichever instance of the linker it runs.
    pub fn cancel_handle(&self) -> CancelHandle {
        CancelHandle(self.group.interrupt.clone())
    }

    /// The linker as an [`Instance`] of `root`: its calls, limits and statistics, with every
    /// other instance still linked behind it (a program and the libraries it imports).
    pub fn into_instance(mut self, root: LinkedInstance) -> Result<Instance, Error> {
        self.check(root)?;
        let (_, member) = self.members.swap_remove(root.index);
        Ok(Instance::from_group(self.group, member))
    }

    fn check(&self, instance: LinkedInstance) -> Result<(), Error> {
        if instance.linker == self.serial && instance.index < self.members.len() {
            Ok(())
        } else {
            Err(Error::ForeignFunc {
                name: format!("(instance {} of another linker)", instance.index),
            })
        }
    }

    fn member(&self, instance: LinkedInstance) -> Result<&Member, Error> {
        self.check(instance)?;
        Ok(&self.members[instance.index].1)
    }
}

impl std::fmt::Debug for Linker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Linker")
            .field("engine", &self.group.runtime.engine().info().name)
            .field(
                "instances",
                &self.members.iter().map(|(n, _)| n).collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}
