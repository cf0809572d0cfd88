//! `Store`: one wasmtime store holding the instances and externs of one wasmux store.

use crate::convert::{func_type_from_wt, ref_type_to_wt, val_from_wt, val_to_wt, val_type_to_wt};
use crate::engine::WasmtimeModule;
use crate::error::{frame_modules, instantiation_error, run_error};
use crate::host::host_func;
use crate::raw_call::RawFunc;
use crate::variant::Variant;
use std::collections::HashMap;
use wasmtime::{AsContextMut, Extern, ExternType, Mutability, Ref, RootScope};
use wasmux_core::{
    check_import_count, CompiledModule, Error, ExportKind, ExportType, ExternHandle, GlobalType,
    Import, ImportValue, InstanceId, MemoryType, Store, TableType, Val,
};

struct Instance {
    instance: wasmtime::Instance,
    module: wasmtime::Module,
    /// The export `Caller::memory` and `memory_size` use.
    memory_export: Option<String>,
}

pub(crate) struct WasmtimeStore {
    variant: Variant,
    store: wasmtime::Store<()>,
    instances: Vec<Instance>,
    externs: Vec<Extern>,
    /// Handles already given out for an export, so asking twice does not grow `externs`.
    exported: HashMap<(u32, String), ExternHandle>,
    /// By handle: the fast call path of exported functions with numeric signatures.
    raw_funcs: Vec<Option<RawFunc>>,
}

impl WasmtimeStore {
    pub(crate) fn new(variant: Variant, engine: wasmtime::Engine) -> Self {
        WasmtimeStore {
            variant,
            store: wasmtime::Store::new(&engine, ()),
            instances: Vec::new(),
            externs: Vec::new(),
            exported: HashMap::new(),
            raw_funcs: Vec::new(),
        }
    }

    fn name(&self) -> &'static str {
        self.variant.name()
    }

    fn instance(&self, id: InstanceId) -> Result<&Instance, Error> {
        self.instances.get(id.0 as usize).ok_or_else(|| {
            Error::engine(self.name(), format!("no instance {} in this store", id.0))
        })
    }

    fn unsupported(&self, what: String) -> Error {
        Error::Unsupported {
            engine: self.name().to_string(),
            what,
        }
    }

    fn add_extern(&mut self, e: Extern) -> ExternHandle {
        self.externs.push(e);
        ExternHandle((self.externs.len() - 1) as u32)
    }

    /// An uncaught wasm exception stays pending in the store until taken; drop it so the
    /// next call starts clean.
    fn clear_exception(&mut self) {
        if self.store.has_pending_exception() {
            let mut scope = RootScope::new(&mut self.store);
            let _ = scope.as_context_mut().take_pending_exception();
        }
    }

    /// The externs for `module`'s imports: `imports` is already in the module's import order,
    /// and wasmtime checks each extern's kind and type against its import itself.
    fn link_imports(
        &mut self,
        module: &wasmtime::Module,
        imports: &[Import],
    ) -> Result<Vec<Extern>, Error> {
        check_import_count(module.imports().len(), imports)?;
        module
            .imports()
            .zip(imports)
            .map(|(wanted, import)| match &import.value {
                ImportValue::Func(f) => Ok(Extern::Func(host_func(&mut self.store, f))),
                ImportValue::Extern(h) => {
                    self.externs.get(h.0 as usize).cloned().ok_or_else(|| {
                        Error::IncompatibleImport {
                            module: wanted.module().to_string(),
                            name: wanted.name().to_string(),
                            message: format!("extern handle {} is not in this store", h.0),
                        }
                    })
                }
            })
            .collect()
    }

    /// Sets the instance of each frame of a trap whose module only one instance of this store
    /// runs; with several instances of one module a frame cannot tell which, and says none.
    fn name_instances(&self, mut err: Error, e: &wasmtime::Error) -> Error {
        if let Error::Trap { backtrace, .. } = &mut err {
            let modules = frame_modules(e);
            for (frame, module) in backtrace.frames.iter_mut().zip(&modules) {
                let mut running = self
                    .instances
                    .iter()
                    .enumerate()
                    .filter(|(_, i)| wasmtime::Module::same(&i.module, module));
                if let (Some((id, _)), None) = (running.next(), running.next()) {
                    frame.instance = Some(InstanceId(id as u32));
                }
            }
        }
        err
    }

    fn call_func(&mut self, f: wasmtime::Func, args: &[Val]) -> Result<Vec<Val>, Error> {
        let name = self.name();
        let mut scope = RootScope::new(&mut self.store);
        let params = args
            .iter()
            .map(|a| val_to_wt(&mut scope, a))
            .collect::<Result<Vec<_>, _>>();
        let params = match params {
            Ok(p) => p,
            Err(what) => {
                return Err(Error::Unsupported {
                    engine: name.to_string(),
                    what,
                })
            }
        };
        let mut results = vec![wasmtime::Val::I32(0); f.ty(&scope).results().len()];
        if let Err(e) = f.call(&mut scope, &params, &mut results) {
            let err = run_error(name, &e);
            drop(scope);
            self.clear_exception();
            return Err(self.name_instances(err, &e));
        }
        results
            .iter()
            .map(|r| val_from_wt(&mut scope, r))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|what| Error::Unsupported {
                engine: name.to_string(),
                what,
            })
    }
}

/// The memory export host functions and `memory_size` look at: `memory`, else the first.
fn memory_export(module: &wasmtime::Module) -> Option<String> {
    let memories: Vec<_> = module
        .exports()
        .filter(|e| matches!(e.ty(), ExternType::Memory(_)))
        .map(|e| e.name().to_string())
        .collect();
    memories
        .iter()
        .find(|n| *n == "memory")
        .or(memories.first())
        .cloned()
}

impl Store for WasmtimeStore {
    fn instantiate(
        &mut self,
        module: &dyn CompiledModule,
        imports: &[Import],
    ) -> Result<InstanceId, Error> {
        let module = module
            .as_any()
            .downcast_ref::<WasmtimeModule>()
            .filter(|m| m.variant == self.variant)
            .ok_or_else(|| {
                Error::engine(self.name(), "the module was compiled by another engine")
            })?;
        let module = module.for_engine(self.store.engine())?;
        let memory_export = memory_export(&module);
        let externs = self.link_imports(&module, imports)?;
        let instance = match wasmtime::Instance::new(&mut self.store, &module, &externs) {
            Ok(i) => i,
            Err(e) => {
                self.clear_exception();
                return Err(instantiation_error(self.name(), &module, &e));
            }
        };
        self.instances.push(Instance {
            instance,
            module,
            memory_export,
        });
        Ok(InstanceId((self.instances.len() - 1) as u32))
    }

    fn call(&mut self, instance: InstanceId, func: &str, args: &[Val]) -> Result<Vec<Val>, Error> {
        let inst = self.instance(instance)?.instance;
        let Some(f) = inst.get_func(&mut self.store, func) else {
            let available = self
                .exports(instance)
                .into_iter()
                .filter(|e| e.kind == ExportKind::Func)
                .map(|e| e.name)
                .collect();
            return Err(Error::UnknownExport {
                name: func.to_string(),
                available,
            });
        };
        self.call_func(f, args)
    }

    fn call_handle(&mut self, func: ExternHandle, args: &[Val]) -> Result<Vec<Val>, Error> {
        if let Some(Some(raw)) = self.raw_funcs.get(func.0 as usize) {
            if let Some(outcome) = raw.call(&mut self.store, args) {
                return outcome.map_err(|e| {
                    let err = run_error(self.variant.name(), &e);
                    self.clear_exception();
                    self.name_instances(err, &e)
                });
            }
        }
        match self.externs.get(func.0 as usize) {
            Some(Extern::Func(f)) => {
                let f = *f;
                self.call_func(f, args)
            }
            _ => Err(Error::engine(
                self.name(),
                format!("handle {} is not a function of this store", func.0),
            )),
        }
    }

    fn exports(&self, instance: InstanceId) -> Vec<ExportType> {
        let Ok(inst) = self.instance(instance) else {
            return Vec::new();
        };
        inst.module
            .exports()
            .map(|e| {
                let (kind, func) = match e.ty() {
                    ExternType::Func(ft) => (ExportKind::Func, func_type_from_wt(&ft)),
                    ExternType::Global(_) => (ExportKind::Global, None),
                    ExternType::Table(_) => (ExportKind::Table, None),
                    ExternType::Memory(_) => (ExportKind::Memory, None),
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

    fn export(&mut self, instance: InstanceId, name: &str) -> Option<ExternHandle> {
        let key = (instance.0, name.to_string());
        if let Some(&h) = self.exported.get(&key) {
            return Some(h);
        }
        let inst = self.instance(instance).ok()?.instance;
        let e = inst.get_export(&mut self.store, name)?;
        let raw = match &e {
            Extern::Func(f) => RawFunc::new(*f, &f.ty(&self.store)),
            _ => None,
        };
        let h = self.add_extern(e);
        if self.raw_funcs.len() <= h.0 as usize {
            self.raw_funcs.resize_with(h.0 as usize + 1, || None);
        }
        self.raw_funcs[h.0 as usize] = raw;
        self.exported.insert(key, h);
        Some(h)
    }

    fn global_get(&mut self, instance: InstanceId, name: &str) -> Option<Val> {
        let inst = self.instance(instance).ok()?.instance;
        let global = inst.get_global(&mut self.store, name)?;
        let mut scope = RootScope::new(&mut self.store);
        let v = global.get(&mut scope);
        val_from_wt(&mut scope, &v).ok()
    }

    fn memory_size(&mut self, instance: InstanceId) -> Option<u64> {
        let inst = self.instance(instance).ok()?;
        let (instance, name) = (inst.instance, inst.memory_export.clone()?);
        match instance.get_export(&mut self.store, &name)? {
            Extern::Memory(m) => Some(m.data_size(&self.store) as u64),
            Extern::SharedMemory(m) => Some(m.data_size() as u64),
            _ => None,
        }
    }

    fn memory_data(&mut self, instance: InstanceId) -> Option<Vec<u8>> {
        let inst = self.instance(instance).ok()?;
        let (instance, name) = (inst.instance, inst.memory_export.clone()?);
        match instance.get_export(&mut self.store, &name)? {
            Extern::Memory(m) => Some(m.data(&self.store).to_vec()),
            // Other threads may be writing a shared memory: no consistent copy to give.
            _ => None,
        }
    }

    fn new_global(&mut self, ty: GlobalType, init: Val) -> Result<ExternHandle, Error> {
        let name = self.name();
        let mutability = if ty.mutable {
            Mutability::Var
        } else {
            Mutability::Const
        };
        let wt_ty = wasmtime::GlobalType::new(val_type_to_wt(ty.content), mutability);
        let mut scope = RootScope::new(&mut self.store);
        let init = val_to_wt(&mut scope, &init).map_err(|what| Error::Unsupported {
            engine: name.to_string(),
            what,
        })?;
        let global = wasmtime::Global::new(&mut scope, wt_ty, init)
            .map_err(|e| Error::engine(name, format!("{e:#}")))?;
        drop(scope);
        Ok(self.add_extern(Extern::Global(global)))
    }

    fn new_memory(&mut self, ty: MemoryType) -> Result<ExternHandle, Error> {
        let pages =
            |n: u64| u32::try_from(n).map_err(|_| Error::Limit(format!("{n} pages of 64 KiB")));
        let max = ty.maximum.map(pages).transpose()?;
        let wt_ty = wasmtime::MemoryType::new(pages(ty.minimum)?, max);
        let memory = wasmtime::Memory::new(&mut self.store, wt_ty)
            .map_err(|e| Error::engine(self.name(), format!("{e:#}")))?;
        Ok(self.add_extern(Extern::Memory(memory)))
    }

    fn new_table(&mut self, ty: TableType) -> Result<ExternHandle, Error> {
        let Some(element) = ref_type_to_wt(ty.element) else {
            return Err(self.unsupported(format!("tables of {}", ty.element)));
        };
        let size =
            |n: u64| u32::try_from(n).map_err(|_| Error::Limit(format!("a table of {n} elements")));
        let max = ty.maximum.map(size).transpose()?;
        let wt_ty = wasmtime::TableType::new(element.clone(), size(ty.minimum)?, max);
        let init = if element.heap_type().is_extern() {
            Ref::Extern(None)
        } else {
            Ref::Func(None)
        };
        let table = wasmtime::Table::new(&mut self.store, wt_ty, init)
            .map_err(|e| Error::engine(self.name(), format!("{e:#}")))?;
        Ok(self.add_extern(Extern::Table(table)))
    }
}
