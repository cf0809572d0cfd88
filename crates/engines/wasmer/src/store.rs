//! One wasmer store: its instances, and the externs they can import from one another.

use crate::convert::{from_func_type, from_value, to_value, val_type};
use crate::host::{host_function, HostEnv};
use crate::link::{caller_memory_imported, instantiation_error, primary_memory};
use crate::module::WasmerModule;
use crate::trap::runtime_error;
use wasmer::{Extern, ExternType, FunctionEnv, Global, Instance, Memory, Pages, Table, Value};
use wasmux_core::{
    check_import_count, CompiledModule, Error, ExportKind, ExportType, ExternHandle, GlobalType,
    Import, ImportValue, InstanceId, MemoryType, Store, TableType, Val, ValType,
};

/// Wasm32 memories have at most 65536 pages of 64 KiB.
const MAX_PAGES: u64 = 65536;

struct InstanceEntry {
    instance: Instance,
    /// Memory 0 (imported or defined), or the first exported memory when memory 0 is
    /// defined but not exported and so out of reach.
    memory: Option<Memory>,
    /// What wasmer calls the module in a trap's frames: its `name` section's module name, or
    /// `<module>`.
    module_name: String,
}

pub struct WasmerStore {
    engine_name: String,
    store: wasmer::Store,
    instances: Vec<InstanceEntry>,
    externs: Vec<Extern>,
}

// SAFETY: wasmer 7 does not mark its store `Send` because the store's objects hold raw
// pointers, but every such pointer points into memory the store itself owns, and so moves
// with it. The host closures it holds are `Send + Sync` (`HostFunc`'s bounds; `HostEnv` holds
// a store-relative handle), extern references hold `u32`s, and no `on_called` callback is
// ever set. wasmer's thread-local record of the running store exists only during a call, and
// a call borrows the store mutably, so the store cannot change threads while it is recorded.
unsafe impl Send for WasmerStore {}

impl WasmerStore {
    pub fn new(engine_name: String, engine: wasmer::Engine) -> Self {
        WasmerStore {
            engine_name,
            store: wasmer::Store::new(engine),
            instances: Vec::new(),
            externs: Vec::new(),
        }
    }

    fn instance(&self, id: InstanceId) -> Option<&Instance> {
        self.instances.get(id.0 as usize).map(|e| &e.instance)
    }

    fn add_extern(&mut self, ext: Extern) -> ExternHandle {
        self.externs.push(ext);
        ExternHandle(self.externs.len() as u32 - 1)
    }

    fn unsupported(&self, what: impl Into<String>) -> Error {
        Error::Unsupported {
            engine: self.engine_name.clone(),
            what: what.into(),
        }
    }

    /// The externs for `module`'s imports: `imports` is already in the module's import order,
    /// and wasmer checks each extern's kind and type against its import itself.
    fn link_imports(
        &mut self,
        module: &wasmer::Module,
        imports: &[Import],
        env: &FunctionEnv<HostEnv>,
    ) -> Result<Vec<Extern>, Error> {
        check_import_count(module.imports().len(), imports)?;
        module
            .imports()
            .zip(imports)
            .map(|(wanted, import)| match &import.value {
                ImportValue::Func(f) => host_function(&mut self.store, env, f.clone())
                    .map(Extern::from)
                    .ok_or_else(|| Error::Unsupported {
                        engine: self.engine_name.clone(),
                        what: format!("host functions of type {} (GC references)", f.ty),
                    }),
                ImportValue::Extern(h) => {
                    self.externs.get(h.0 as usize).cloned().ok_or_else(|| {
                        Error::IncompatibleImport {
                            module: wanted.module().into(),
                            name: wanted.name().into(),
                            message: format!("no extern with handle {} in this store", h.0),
                        }
                    })
                }
            })
            .collect()
    }

    /// Sets the instance of each frame of a trap whose module name only one instance of this
    /// store has: wasmer's frames name their module, not their instance, and modules without
    /// a name in their `name` section all read `<module>`.
    fn name_instances(&self, mut err: Error) -> Error {
        if let Error::Trap { backtrace, .. } = &mut err {
            for frame in &mut backtrace.frames {
                let Some(name) = frame.module.take() else {
                    continue;
                };
                let mut running = self
                    .instances
                    .iter()
                    .enumerate()
                    .filter(|(_, i)| i.module_name == name);
                if let (Some((id, _)), None) = (running.next(), running.next()) {
                    frame.instance = Some(InstanceId(id as u32));
                }
            }
        }
        err
    }

    fn call_func(&mut self, function: &wasmer::Function, args: &[Val]) -> Result<Vec<Val>, Error> {
        let params = args
            .iter()
            .map(|v| to_value(&mut self.store, v))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| self.unsupported("passing a non-null funcref from the host"))?;
        let results = function
            .call(&mut self.store, &params)
            .map_err(|e| self.name_instances(runtime_error(&self.engine_name, e)))?;
        results
            .iter()
            .map(|v| from_value(&self.store, v))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| self.unsupported("returning exception references to the host"))
    }
}

impl Store for WasmerStore {
    fn instantiate(
        &mut self,
        module: &dyn CompiledModule,
        imports: &[Import],
    ) -> Result<InstanceId, Error> {
        let module = match module.as_any().downcast_ref::<WasmerModule>() {
            Some(m) if m.engine_name == self.engine_name => &m.module,
            _ => {
                return Err(Error::engine(
                    &self.engine_name,
                    "the module was compiled by another engine",
                ))
            }
        };
        let env = FunctionEnv::new(&mut self.store, HostEnv::default());
        let externs = self.link_imports(module, imports, &env)?;
        // Host functions called from the start function already see an imported memory.
        env.as_mut(&mut self.store).memory = caller_memory_imported(module, &externs);
        let instance = Instance::new_by_index(&mut self.store, module, &externs)
            .map_err(|e| instantiation_error(&self.engine_name, e))?;
        let memory = primary_memory(module, &instance);
        env.as_mut(&mut self.store).memory = instance
            .exports
            .get_memory(wasmux_core::CALLER_MEMORY)
            .ok()
            .cloned();
        let module_name = module.name().unwrap_or("<module>").to_string();
        self.instances.push(InstanceEntry {
            instance,
            memory,
            module_name,
        });
        Ok(InstanceId(self.instances.len() as u32 - 1))
    }

    fn call(&mut self, id: InstanceId, func: &str, args: &[Val]) -> Result<Vec<Val>, Error> {
        let instance = self
            .instance(id)
            .ok_or_else(|| unknown_instance(&self.engine_name, id))?;
        let Ok(function) = instance.exports.get_function(func) else {
            return Err(Error::UnknownExport {
                name: func.to_string(),
                available: instance
                    .exports
                    .iter()
                    .functions()
                    .map(|(n, _)| n.clone())
                    .collect(),
            });
        };
        let function = function.clone();
        self.call_func(&function, args)
    }

    fn call_handle(&mut self, func: ExternHandle, args: &[Val]) -> Result<Vec<Val>, Error> {
        match self.externs.get(func.0 as usize) {
            Some(Extern::Function(f)) => {
                let f = f.clone();
                self.call_func(&f, args)
            }
            _ => Err(Error::engine(
                &self.engine_name,
                format!("handle {} is not a function of this store", func.0),
            )),
        }
    }

    fn exports(&self, id: InstanceId) -> Vec<ExportType> {
        let Some(instance) = self.instance(id) else {
            return Vec::new();
        };
        instance
            .module()
            .exports()
            .map(|e| {
                let (kind, func) = match e.ty() {
                    ExternType::Function(f) => (ExportKind::Func, from_func_type(f)),
                    ExternType::Table(_) => (ExportKind::Table, None),
                    ExternType::Memory(_) => (ExportKind::Memory, None),
                    ExternType::Global(_) => (ExportKind::Global, None),
                    ExternType::Tag(_) => (ExportKind::Tag, None),
                };
                ExportType {
                    name: e.name().to_string(),
                    kind,
                    func,
                }
            })
            .collect()
    }

    fn export(&mut self, id: InstanceId, name: &str) -> Option<ExternHandle> {
        let ext = self.instance(id)?.exports.get_extern(name)?.clone();
        Some(self.add_extern(ext))
    }

    fn global_get(&mut self, id: InstanceId, name: &str) -> Option<Val> {
        let global = self.instance(id)?.exports.get_global(name).ok()?.clone();
        let value = global.get(&mut self.store);
        from_value(&self.store, &value)
    }

    fn memory_size(&mut self, id: InstanceId) -> Option<u64> {
        let memory = self.instances.get(id.0 as usize)?.memory.as_ref()?;
        Some(memory.view(&self.store).data_size())
    }

    fn memory_data(&mut self, id: InstanceId) -> Option<Vec<u8>> {
        let memory = self.instances.get(id.0 as usize)?.memory.as_ref()?;
        memory.view(&self.store).copy_to_vec().ok()
    }

    fn new_global(&mut self, ty: GlobalType, init: Val) -> Result<ExternHandle, Error> {
        if init.ty() != ty.content {
            return Err(Error::engine(
                &self.engine_name,
                format!("a global of type {} cannot start as {init}", ty.content),
            ));
        }
        let value = to_value(&mut self.store, &init)
            .map_err(|_| self.unsupported("a global holding a non-null funcref from the host"))?;
        let global = if ty.mutable {
            Global::new_mut(&mut self.store, value)
        } else {
            Global::new(&mut self.store, value)
        };
        Ok(self.add_extern(global.into()))
    }

    fn new_memory(&mut self, ty: MemoryType) -> Result<ExternHandle, Error> {
        if ty.minimum > MAX_PAGES || ty.maximum.is_some_and(|m| m > MAX_PAGES || m < ty.minimum) {
            return Err(Error::Limit(format!(
                "memory of {} to {:?} pages: wasm32 memories hold at most {MAX_PAGES} pages",
                ty.minimum, ty.maximum
            )));
        }
        let wasmer_ty = wasmer::MemoryType::new(
            Pages(ty.minimum as u32),
            ty.maximum.map(|m| Pages(m as u32)),
            false,
        );
        let memory = Memory::new(&mut self.store, wasmer_ty)
            .map_err(|e| Error::engine(&self.engine_name, e))?;
        Ok(self.add_extern(memory.into()))
    }

    fn new_table(&mut self, ty: TableType) -> Result<ExternHandle, Error> {
        let init = match ty.element {
            ValType::FuncRef => Value::FuncRef(None),
            ValType::ExternRef => Value::ExternRef(None),
            other => return Err(self.unsupported(format!("tables of {other}"))),
        };
        let limit =
            |n: u64| u32::try_from(n).map_err(|_| Error::Limit(format!("a table of {n} elements")));
        let element = val_type(ty.element)
            .ok_or_else(|| self.unsupported(format!("tables of {}", ty.element)))?;
        let wasmer_ty = wasmer::TableType::new(
            element,
            limit(ty.minimum)?,
            ty.maximum.map(limit).transpose()?,
        );
        let table = Table::new(&mut self.store, wasmer_ty, init)
            .map_err(|e| runtime_error(&self.engine_name, e))?;
        Ok(self.add_extern(table.into()))
    }
}

fn unknown_instance(engine: &str, id: InstanceId) -> Error {
    Error::engine(engine, format!("no instance {} in this store", id.0))
}
