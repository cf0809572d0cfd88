//! A wasmux store: one wasmi store with its instances and shareable externs.

use crate::convert::{from_wasmi, from_wasmi_all, ref_type, to_wasmi};
use crate::engine::WasmiModule;
use crate::error::{from_call, from_instantiation, ENGINE};
use crate::exports::first_memory;
use crate::host::{new_func, HostState};
use crate::rollback::TableSnapshot;
use alloc::sync::Arc;
use wasmi::{AsContext, Extern, Instance, Memory, Module, Mutability, Ref};
use wasmux_core::prelude::*;
use wasmux_core::{
    check_import_count, CompiledModule, Error, ExportKind, ExportType, ExternHandle, GlobalType,
    Import, ImportValue, InstanceId, MemoryType, Store, TableType, Val,
};

struct InstanceRec {
    instance: Instance,
    exports: Arc<[ExportType]>,
}

pub struct WasmiStore {
    store: wasmi::Store<HostState>,
    instances: Vec<InstanceRec>,
    externs: Vec<Extern>,
}

impl WasmiStore {
    pub fn new(engine: wasmi::Engine) -> Self {
        WasmiStore {
            store: wasmi::Store::new(&engine, HostState),
            instances: Vec::new(),
            externs: Vec::new(),
        }
    }

    fn instance(&self, id: InstanceId) -> Option<&InstanceRec> {
        self.instances.get(id.0 as usize)
    }

    fn add_extern(&mut self, ext: Extern) -> ExternHandle {
        self.externs.push(ext);
        ExternHandle(self.externs.len() as u32 - 1)
    }

    /// The externs for `module`'s imports, in wasmi's order: `imports` is in the module's
    /// import order, and wasmi checks each extern's kind and type against its import itself.
    fn link_imports(
        &mut self,
        module: &Module,
        order: &[usize],
        imports: &[Import],
    ) -> Result<Vec<Extern>, Error> {
        check_import_count(order.len(), imports)?;
        module
            .imports()
            .zip(order)
            .map(|(wanted, &at)| match &imports[at].value {
                ImportValue::Func(host) => Ok(Extern::Func(new_func(&mut self.store, host)?)),
                ImportValue::Extern(handle) => {
                    self.externs.get(handle.0 as usize).copied().ok_or_else(|| {
                        Error::IncompatibleImport {
                            module: wanted.module().to_string(),
                            name: wanted.name().to_string(),
                            message: format!("no extern with handle {} in this store", handle.0),
                        }
                    })
                }
            })
            .collect()
    }

    /// The memory the instance exports as `memory`, or else the first memory it exports.
    fn main_memory(&self, rec: &InstanceRec) -> Option<Memory> {
        rec.instance.get_memory(&self.store, "memory").or_else(|| {
            rec.instance
                .get_memory(&self.store, first_memory(&rec.exports)?)
        })
    }

    fn call_func(&mut self, f: wasmi::Func, args: &[Val]) -> Result<Vec<Val>, Error> {
        let ty = f.ty(&self.store);
        let args = args
            .iter()
            .map(|a| to_wasmi(&mut self.store, a))
            .collect::<Result<Vec<_>, _>>()?;
        let mut out: Vec<wasmi::Val> = ty
            .results()
            .iter()
            .map(|t| wasmi::Val::default_for_ty(*t))
            .collect();
        f.call(&mut self.store, &args, &mut out)
            .map_err(from_call)?;
        Ok(from_wasmi_all(&self.store, &out))
    }
}

impl Store for WasmiStore {
    fn instantiate(
        &mut self,
        module: &dyn CompiledModule,
        imports: &[Import],
    ) -> Result<InstanceId, Error> {
        let compiled = module
            .as_any()
            .downcast_ref::<WasmiModule>()
            .ok_or_else(|| Error::engine(ENGINE, "the module was compiled by another engine"))?;
        let module = compiled.for_engine(self.store.engine())?;
        let externs = self.link_imports(&module, &compiled.import_order, imports)?;
        let before = TableSnapshot::take(&self.store, &externs);
        let instance = match Instance::new(&mut self.store, &module, &externs) {
            Ok(instance) => instance,
            Err(e) => {
                let e = from_instantiation(e);
                if !matches!(e, Error::Trap { .. } | Error::Exit(_)) {
                    before.restore(&mut self.store);
                }
                return Err(e);
            }
        };
        self.instances.push(InstanceRec {
            instance,
            exports: compiled.exports.clone(),
        });
        Ok(InstanceId(self.instances.len() as u32 - 1))
    }

    fn call(&mut self, instance: InstanceId, func: &str, args: &[Val]) -> Result<Vec<Val>, Error> {
        let rec = self
            .instance(instance)
            .ok_or_else(|| Error::engine(ENGINE, format!("no instance {}", instance.0)))?;
        let Some(f) = rec.instance.get_func(&self.store, func) else {
            return Err(Error::UnknownExport {
                name: func.to_string(),
                available: self
                    .exports(instance)
                    .into_iter()
                    .filter(|e| e.kind == ExportKind::Func)
                    .map(|e| e.name)
                    .collect(),
            });
        };
        self.call_func(f, args)
    }

    fn call_handle(&mut self, func: ExternHandle, args: &[Val]) -> Result<Vec<Val>, Error> {
        match self.externs.get(func.0 as usize) {
            Some(Extern::Func(f)) => {
                let f = *f;
                self.call_func(f, args)
            }
            _ => Err(Error::engine(
                ENGINE,
                format!("handle {} is not a function of this store", func.0),
            )),
        }
    }

    fn exports(&self, instance: InstanceId) -> Vec<ExportType> {
        self.instance(instance)
            .map(|rec| rec.exports.to_vec())
            .unwrap_or_default()
    }

    fn export(&mut self, instance: InstanceId, name: &str) -> Option<ExternHandle> {
        let ext = self
            .instance(instance)?
            .instance
            .get_export(&self.store, name)?;
        Some(self.add_extern(ext))
    }

    fn global_get(&mut self, instance: InstanceId, name: &str) -> Option<Val> {
        let global = self
            .instance(instance)?
            .instance
            .get_global(&self.store, name)?;
        let val = global.get(&self.store);
        Some(from_wasmi(self.store.as_context(), &val))
    }

    fn memory_size(&mut self, instance: InstanceId) -> Option<u64> {
        let memory = self.main_memory(self.instance(instance)?)?;
        Some(memory.data_size(&self.store) as u64)
    }

    fn memory_data(&mut self, instance: InstanceId) -> Option<Vec<u8>> {
        let memory = self.main_memory(self.instance(instance)?)?;
        Some(memory.data(&self.store).to_vec())
    }

    fn new_global(&mut self, ty: GlobalType, init: Val) -> Result<ExternHandle, Error> {
        if init.ty() != ty.content {
            return Err(Error::engine(
                ENGINE,
                format!(
                    "global of type {} initialised with {}",
                    ty.content,
                    init.ty()
                ),
            ));
        }
        let value = to_wasmi(&mut self.store, &init)?;
        let mutability = if ty.mutable {
            Mutability::Var
        } else {
            Mutability::Const
        };
        let global = wasmi::Global::new(&mut self.store, value, mutability);
        Ok(self.add_extern(Extern::Global(global)))
    }

    fn new_memory(&mut self, ty: MemoryType) -> Result<ExternHandle, Error> {
        let too_big = || Error::Limit(format!("memory of {} pages", ty.minimum));
        let minimum = u32::try_from(ty.minimum).map_err(|_| too_big())?;
        let maximum = ty
            .maximum
            .map(|m| u32::try_from(m).map_err(|_| too_big()))
            .transpose()?;
        let memory = Memory::new(&mut self.store, wasmi::MemoryType::new(minimum, maximum))
            .map_err(|e| Error::engine(ENGINE, e))?;
        Ok(self.add_extern(Extern::Memory(memory)))
    }

    fn new_table(&mut self, ty: TableType) -> Result<ExternHandle, Error> {
        let element = ref_type(ty.element)?;
        let too_big = || Error::Limit(format!("table of {} elements", ty.minimum));
        let minimum = u32::try_from(ty.minimum).map_err(|_| too_big())?;
        let maximum = ty
            .maximum
            .map(|m| u32::try_from(m).map_err(|_| too_big()))
            .transpose()?;
        let table = wasmi::Table::new(
            &mut self.store,
            wasmi::TableType::new(element, minimum, maximum),
            Ref::default_for_ty(element),
        )
        .map_err(|e| Error::engine(ENGINE, e))?;
        Ok(self.add_extern(Extern::Table(table)))
    }
}
