//! A wasmux store on wasm3: one wasm3 environment, and one wasm3 runtime per instance.
//!
//! wasm3 0.4 gives every runtime exactly one memory and one table of its own, so instances
//! cannot share memories, tables or mutable globals. What can be shared honestly is shared:
//! an exported function of another instance is imported as a call into that instance's
//! runtime, an immutable global is imported by copying its value, and a mutable global the
//! host created is mirrored in every instance that imports it (`mirror.rs`).

use crate::call::{invoke, memory_len, memory_slice, read_slot};
use crate::host::{signature, trampoline, Core, Link, Shared, Target};
use crate::module::{unsupported, ImportKind, ModuleInfo, Wasm3Module};
use crate::stack::on_native_stack;
use crate::trap::{call_error, host_trap, message};
use std::cell::Cell;
use std::ffi::{c_char, c_void, CString};
use std::ptr;
use std::sync::Arc;
use wasm3::wasm3_sys as ffi;
use wasmux_core::{
    check_import_count, CompiledModule, Error, ExportKind, ExportType, ExternHandle, GlobalType,
    Import, ImportValue, InstanceId, MemoryType, Store, StoreConfig, TableType, Trap, Val, ValType,
};

/// Interpreter value stack per instance when the config does not say.
const DEFAULT_STACK_BYTES: usize = 1 << 20;
/// Smallest value stack: room for a call with wasm's maximum of 1000 parameters.
const MIN_STACK_BYTES: usize = 16 << 10;
/// Largest value stack wasm3 is given (its sizes are 32-bit).
const MAX_STACK_BYTES: usize = 1 << 30;
/// wasm3 computes memory sizes in 32 bits, so 65536 pages (4 GiB) would wrap to 0 bytes.
const MAX_PAGES: u64 = 65535;

extern "C" {
    /// wasm3's linker for one given imported function. Not in its header, but exported; the
    /// public `m3_LinkRawFunctionEx` links only the first import of a name.
    fn LinkRawFunctionEx(
        module: ffi::IM3Module,
        function: ffi::IM3Function,
        signature: *const c_char,
        callback: *const c_void,
        cookie: *mut c_void,
    ) -> ffi::M3Result;
}

pub struct Wasm3Store {
    env: ffi::IM3Environment,
    stack_bytes: u32,
    shared: Box<Shared>,
    instances: Vec<Instance>,
    externs: Vec<Extern>,
}

// SAFETY: wasm3 environments and runtimes have no thread affinity (no thread-locals, no locks;
// the only thread-local state, in `stack.rs`, is armed and disarmed within one call). The store
// owns them exclusively and every use goes through `&mut self`, so moving the whole store to
// another thread is sound. It is not `Sync`: wasm3 must never run two calls at once.
unsafe impl Send for Wasm3Store {}

struct Instance {
    core: Box<Core>,
    /// Owned by the runtime once loaded.
    module: ffi::IM3Module,
    info: Arc<ModuleInfo>,
    /// wasm3 holds pointers to these until the runtime is freed, so each is boxed: its
    /// address must not change when the vector grows.
    #[allow(clippy::vec_box)]
    _links: Vec<Box<Link>>,
}

impl Drop for Instance {
    fn drop(&mut self) {
        // SAFETY: the runtime was created by this instance and is freed once; it frees the
        // module loaded into it. Links and module bytes are dropped after it.
        unsafe { ffi::m3_FreeRuntime(self.core.runtime) }
    }
}

/// Something `Store::export` or `Store::new_global` handed out.
enum Extern {
    Func {
        instance: usize,
        index: u32,
    },
    Global {
        instance: usize,
        index: u32,
    },
    /// A mutable global the host created: a cell of `Shared::cells` (see `mirror.rs`).
    HostGlobal {
        cell: usize,
        ty: GlobalType,
    },
    Memory,
    Table,
}

/// How one import of a module is satisfied.
enum Resolved {
    Func(Target),
    /// The raw bits of an immutable global's value.
    Global(u64),
    /// A host-created mutable global: the cell the import mirrors.
    Mirror(usize),
}

impl Wasm3Store {
    pub fn new(config: &StoreConfig) -> Result<Self, Error> {
        let stack = config
            .max_stack_bytes
            .unwrap_or(DEFAULT_STACK_BYTES)
            .clamp(MIN_STACK_BYTES, MAX_STACK_BYTES);
        // SAFETY: plain constructor; freed in `Drop`.
        let env = unsafe { ffi::m3_NewEnvironment() };
        if env.is_null() {
            return Err(out_of_memory());
        }
        Ok(Wasm3Store {
            env,
            stack_bytes: stack as u32,
            shared: Box::default(),
            instances: Vec::new(),
            externs: Vec::new(),
        })
    }

    fn instance(&self, id: InstanceId) -> Result<&Instance, Error> {
        self.instances
            .get(id.0 as usize)
            .ok_or_else(|| Error::engine("wasm3", format!("no instance {} in this store", id.0)))
    }

    /// What satisfies each import: `imports` is already in the module's import order. wasm3
    /// checks nothing when it links, so the kind and type of each are checked here.
    fn link(&self, info: &ModuleInfo, imports: &[Import]) -> Result<Vec<Resolved>, Error> {
        check_import_count(info.imports.len(), imports)?;
        info.imports
            .iter()
            .zip(imports)
            .map(|(decl, import)| {
                let incompatible = |message: String| Error::IncompatibleImport {
                    module: decl.module.clone(),
                    name: decl.name.clone(),
                    message,
                };
                let what = format!("`{}::{}`", decl.module, decl.name);
                match (&decl.kind, &import.value) {
                    (ImportKind::Func(ty), ImportValue::Func(f)) => {
                        let want = &info.types[*ty as usize];
                        if f.ty != *want {
                            return Err(incompatible(format!(
                                "the module expects a function {want}, the host function is {}",
                                f.ty
                            )));
                        }
                        Ok(Resolved::Func(Target::Host(f.clone())))
                    }
                    (ImportKind::Func(ty), ImportValue::Extern(h)) => {
                        let want = &info.types[*ty as usize];
                        let Some(Extern::Func { instance, index }) = self.externs.get(h.0 as usize)
                        else {
                            return Err(incompatible("expected a function".to_string()));
                        };
                        let source = &self.instances[*instance];
                        let have = source.info.func_type(*index);
                        if have != want {
                            return Err(incompatible(format!(
                                "the module expects a function {want}, the export is {have}"
                            )));
                        }
                        Ok(Resolved::Func(Target::Instance {
                            core: &*source.core,
                            // SAFETY: the index is a function of the loaded source module.
                            func: unsafe { (*source.module).functions.add(*index as usize) },
                        }))
                    }
                    (ImportKind::Global(want), ImportValue::Extern(h))
                        if matches!(
                            self.externs.get(h.0 as usize),
                            Some(Extern::HostGlobal { .. })
                        ) =>
                    {
                        let Some(&Extern::HostGlobal { cell, ty }) = self.externs.get(h.0 as usize)
                        else {
                            unreachable!("matched above")
                        };
                        if ty != *want {
                            return Err(incompatible(format!(
                                "the module expects a global {}, the host's is {}",
                                global_text(*want),
                                global_text(ty)
                            )));
                        }
                        Ok(Resolved::Mirror(cell))
                    }
                    (ImportKind::Global(want), ImportValue::Extern(h)) => {
                        let Some(Extern::Global { instance, index }) =
                            self.externs.get(h.0 as usize)
                        else {
                            return Err(incompatible("expected a global".to_string()));
                        };
                        let source = &self.instances[*instance];
                        let have = source.info.globals[*index as usize];
                        if have.content != want.content {
                            return Err(incompatible(format!(
                                "the module expects a global of type {}, the export is {}",
                                want.content, have.content
                            )));
                        }
                        if want.mutable || have.mutable {
                            return Err(unsupported(format!(
                                "importing the mutable global {what} (every wasm3 instance \
                                 keeps its own globals, so writes would not be shared)"
                            )));
                        }
                        // SAFETY: the index is a global of the loaded source module.
                        let bits = unsafe { global_bits(source.module, *index) };
                        Ok(Resolved::Global(bits))
                    }
                    (ImportKind::Global(_), ImportValue::Func(_)) => Err(incompatible(
                        "expected a global, got a host function".to_string(),
                    )),
                    (ImportKind::Memory, _) => Err(unsupported(format!(
                        "importing the memory {what} (wasm3 gives every instance a memory of \
                         its own and cannot share one)"
                    ))),
                    (ImportKind::Table, _) => Err(unsupported(format!(
                        "importing the table {what} (wasm3 gives every instance a table of \
                         its own and cannot share one)"
                    ))),
                }
            })
            .collect()
    }

    /// Creates the runtime, loads the module and links its imports. Returns the instance and
    /// the start function wasm3 was kept from running, so that it runs like any call.
    fn load(
        &self,
        info: Arc<ModuleInfo>,
        resolved: Vec<Resolved>,
    ) -> Result<(Instance, Option<u32>), Error> {
        if info.memory.is_some_and(|m| m.minimum > MAX_PAGES) {
            return Err(unsupported("memories of 4 GiB"));
        }
        let imported_globals: Vec<u64> = info
            .imports
            .iter()
            .zip(&resolved)
            .filter_map(|(decl, res)| match (&decl.kind, res) {
                (ImportKind::Global(_), Resolved::Global(bits)) => Some(*bits),
                // Listed too, so that the list stays indexed by global; a mutable global is
                // never read by a segment's offset.
                (ImportKind::Global(_), Resolved::Mirror(cell)) => {
                    Some(self.shared.cells.get(*cell))
                }
                _ => None,
            })
            .collect();
        crate::segments::check(&info, &imported_globals)?;
        let len = info.wasm.len() as u32;
        // SAFETY: wasm3 objects are used as its API documents. The parsed module points into
        // `info.wasm`, which the instance keeps alive. The runtime is freed by `Instance::drop`
        // on every path, the module by it once loaded and here before that.
        unsafe {
            let runtime = ffi::m3_NewRuntime(self.env, self.stack_bytes, ptr::null_mut());
            if runtime.is_null() {
                return Err(out_of_memory());
            }
            let mut instance = Instance {
                core: Box::new(Core {
                    runtime,
                    active: Cell::new(false),
                    mirrors: Default::default(),
                }),
                module: ptr::null_mut(),
                info: info.clone(),
                _links: Vec::new(),
            };
            let mut module: ffi::IM3Module = ptr::null_mut();
            let r = ffi::m3_ParseModule(self.env, &mut module, info.wasm.as_ptr(), len);
            if !r.is_null() {
                return Err(Error::engine("wasm3", message(r)));
            }
            // wasm3 would run the start function inside m3_LoadModule, before imports can be
            // linked (linking needs a loaded module) and off the guarded stack.
            let start = u32::try_from((*module).startFunction).ok();
            (*module).startFunction = -1;

            // Imported globals are read by wasm3 from their slots, which it leaves untouched.
            let mut global = 0;
            for (decl, res) in info.imports.iter().zip(&resolved) {
                if let ImportKind::Global(_) = decl.kind {
                    match res {
                        Resolved::Global(bits) => {
                            let slot = (*module).globals.add(global);
                            (*slot).__bindgen_anon_1.intValue = *bits as i64;
                        }
                        Resolved::Mirror(cell) => instance.core.mirrors.bind(
                            module,
                            *cell,
                            global as u32,
                            &self.shared.cells,
                        ),
                        Resolved::Func(_) => {}
                    }
                    global += 1;
                }
            }

            let r = ffi::m3_LoadModule(runtime, module);
            if !r.is_null() {
                let detail = error_detail(runtime);
                ffi::m3_FreeModule(module);
                return Err(Error::Instantiation(format!("{}{detail}", message(r))));
            }
            instance.module = module;

            // wasm3 reads a declared maximum of 0 as "none"; set the exact limit.
            if let Some(mem) = info.memory {
                (*runtime).memory.maxPages = mem.maximum.unwrap_or(MAX_PAGES).min(MAX_PAGES) as u32;
            }

            let mut func = 0;
            for (decl, res) in info.imports.iter().zip(resolved) {
                let (ImportKind::Func(ty), Resolved::Func(target)) = (&decl.kind, res) else {
                    continue;
                };
                let ty = &info.types[*ty as usize];
                let link = Box::new(Link {
                    target,
                    params: ty.params.clone(),
                    result: ty.results.first().copied(),
                    shared: &*self.shared,
                    caller: &*instance.core,
                    // wasm3 has one memory; host functions see it when it is exported as
                    // `memory`, the rule of every engine.
                    has_memory: info.memory.is_some()
                        && info
                            .export(wasmux_core::CALLER_MEMORY)
                            .is_some_and(|e| e.kind == ExportKind::Memory),
                });
                let sig = CString::new(signature(&link.params, link.result))
                    .expect("signatures contain no NUL");
                let r = LinkRawFunctionEx(
                    module,
                    (*module).functions.add(func),
                    sig.as_ptr(),
                    trampoline as *const c_void,
                    &*link as *const Link as *mut c_void,
                );
                instance._links.push(link);
                if !r.is_null() {
                    return Err(Error::engine(
                        "wasm3",
                        format!("linking {}::{}: {}", decl.module, decl.name, message(r)),
                    ));
                }
                func += 1;
            }
            // wasm3 links lazily and would crash calling an unlinked import: refuse now.
            let unlinked: Vec<String> = (0..(*module).numImports as usize)
                .filter(|&i| (*(*module).functions.add(i)).compiled.is_null())
                .map(|i| {
                    let f = &*(*module).functions.add(i);
                    format!(
                        "{}::{}",
                        crate::trap::c_text(f.import.moduleUtf8).unwrap_or_default(),
                        crate::trap::c_text(f.import.fieldUtf8).unwrap_or_default()
                    )
                })
                .collect();
            if !unlinked.is_empty() {
                return Err(Error::UnresolvedImports(unlinked));
            }
            Ok((instance, start))
        }
    }

    /// Calls function `index` of instance `id` on the guarded stack.
    fn call_index(
        &mut self,
        id: usize,
        index: u32,
        name: &str,
        args: &[Val],
    ) -> Result<Vec<Val>, Error> {
        let instance = &self.instances[id];
        let ty = instance.info.func_type(index);
        if args.len() != ty.params.len() {
            return Err(Error::ArgumentCount {
                func: name.to_string(),
                expected: ty.params.len(),
                given: args.len(),
                signature: ty.to_string(),
            });
        }
        for (i, (arg, want)) in args.iter().zip(&ty.params).enumerate() {
            if !matches!(
                arg.ty(),
                ValType::I32 | ValType::I64 | ValType::F32 | ValType::F64
            ) {
                return Err(unsupported(format!("passing {} values", arg.ty())));
            }
            if arg.ty() != *want {
                return Err(Error::ArgumentType {
                    func: name.to_string(),
                    index: i,
                    expected: want.to_string(),
                    given: arg.ty().to_string(),
                });
            }
        }
        let result = ty.results.first().copied();
        if instance.core.active.replace(true) {
            return Err(Error::engine(
                "wasm3",
                "the instance is already running a call",
            ));
        }
        self.shared.pending.set(None);
        // SAFETY: the function belongs to this live instance, which is not running (checked
        // above), and the arguments were checked against its type.
        let func = unsafe { (*instance.module).functions.add(index as usize) };
        let cells = &self.shared.cells;
        // SAFETY: the instance's module is loaded.
        let outcome = on_native_stack(|| unsafe {
            instance.core.mirrors.enter(cells);
            let outcome = invoke(func, args, result);
            instance.core.mirrors.leave(cells);
            outcome
        });
        instance.core.active.set(false);
        match outcome? {
            Ok(value) => Ok(value.into_iter().collect()),
            Err(r) if r == host_trap() => Err(self
                .shared
                .pending
                .take()
                .map(Error::from)
                .unwrap_or_else(|| Error::trap(Trap::HostError))),
            Err(r) => Err(call_error(r)),
        }
    }
}

impl Store for Wasm3Store {
    fn instantiate(
        &mut self,
        module: &dyn CompiledModule,
        imports: &[Import],
    ) -> Result<InstanceId, Error> {
        let module = module
            .as_any()
            .downcast_ref::<Wasm3Module>()
            .ok_or_else(|| Error::engine("wasm3", "the module was compiled by another engine"))?;
        let resolved = self.link(&module.info, imports)?;
        // Loading evaluates initialisers and data segments in wasm3's interpreter.
        let (instance, start) = on_native_stack(|| self.load(module.info.clone(), resolved))??;
        let id = self.instances.len();
        self.instances.push(instance);
        if let Some(start) = start {
            if let Err(e) = self.call_index(id, start, "start function", &[]) {
                self.instances.pop();
                return Err(e);
            }
        }
        Ok(InstanceId(id as u32))
    }

    fn call(&mut self, instance: InstanceId, func: &str, args: &[Val]) -> Result<Vec<Val>, Error> {
        let info = &self.instance(instance)?.info;
        let Some(index) = info
            .export(func)
            .filter(|e| e.kind == ExportKind::Func)
            .map(|e| e.index)
        else {
            return Err(Error::UnknownExport {
                name: func.to_string(),
                available: info.func_export_names(),
            });
        };
        self.call_index(instance.0 as usize, index, func, args)
    }

    fn call_handle(&mut self, func: ExternHandle, args: &[Val]) -> Result<Vec<Val>, Error> {
        match self.externs.get(func.0 as usize) {
            Some(&Extern::Func { instance, index }) => {
                self.call_index(instance, index, "(exported function)", args)
            }
            _ => Err(Error::engine(
                "wasm3",
                format!("handle {} is not a function of this store", func.0),
            )),
        }
    }

    fn exports(&self, instance: InstanceId) -> Vec<ExportType> {
        self.instance(instance)
            .map(|i| i.info.export_types())
            .unwrap_or_default()
    }

    fn export(&mut self, instance: InstanceId, name: &str) -> Option<ExternHandle> {
        let export = self.instance(instance).ok()?.info.export(name)?;
        let id = instance.0 as usize;
        let ext = match export.kind {
            ExportKind::Func => Extern::Func {
                instance: id,
                index: export.index,
            },
            ExportKind::Global => Extern::Global {
                instance: id,
                index: export.index,
            },
            ExportKind::Memory => Extern::Memory,
            ExportKind::Table => Extern::Table,
            ExportKind::Tag => return None,
        };
        self.externs.push(ext);
        Some(ExternHandle(self.externs.len() as u32 - 1))
    }

    fn global_get(&mut self, instance: InstanceId, name: &str) -> Option<Val> {
        let instance = self.instance(instance).ok()?;
        let export = instance.info.export(name)?;
        if export.kind != ExportKind::Global {
            return None;
        }
        let ty = instance.info.globals[export.index as usize].content;
        // SAFETY: the index is a global of this loaded module; the slot holds 8 bytes.
        let bits = unsafe { global_bits(instance.module, export.index) };
        // SAFETY: reads the value back at its own width from a local.
        Some(unsafe { read_slot(&bits, ty) })
    }

    fn memory_size(&mut self, instance: InstanceId) -> Option<u64> {
        let instance = self.instance(instance).ok()?;
        instance.info.memory?;
        // The other engines can only reach an exported memory; a memory the module keeps to
        // itself reads as none on every engine alike.
        if !instance
            .info
            .exports
            .iter()
            .any(|e| e.kind == ExportKind::Memory)
        {
            return None;
        }
        // SAFETY: the runtime is live.
        Some(unsafe { memory_len(instance.core.runtime) })
    }

    fn memory_data(&mut self, instance: InstanceId) -> Option<Vec<u8>> {
        self.memory_size(instance)?;
        let instance = self.instance(instance).ok()?;
        // SAFETY: the runtime is live and no call runs while the store is borrowed mutably.
        unsafe { memory_slice(instance.core.runtime) }.map(|m| m.to_vec())
    }

    fn new_global(&mut self, ty: GlobalType, init: Val) -> Result<ExternHandle, Error> {
        if !matches!(
            ty.content,
            ValType::I32 | ValType::I64 | ValType::F32 | ValType::F64
        ) {
            return Err(unsupported(format!("{} globals", ty.content)));
        }
        if init.ty() != ty.content {
            return Err(Error::engine(
                "wasm3",
                format!("a global of type {} cannot start as {init}", ty.content),
            ));
        }
        let mut bits = 0u64;
        // SAFETY: writes a numeric value into a local 8-byte slot.
        unsafe { crate::call::write_slot(&mut bits, init) };
        let cell = self.shared.cells.add(bits);
        self.externs.push(Extern::HostGlobal { cell, ty });
        Ok(ExternHandle(self.externs.len() as u32 - 1))
    }

    fn new_memory(&mut self, _ty: MemoryType) -> Result<ExternHandle, Error> {
        Err(unsupported(
            "host-created memories (every wasm3 instance has a memory of its own)",
        ))
    }

    fn new_table(&mut self, _ty: TableType) -> Result<ExternHandle, Error> {
        Err(unsupported(
            "host-created tables (every wasm3 instance has a table of its own)",
        ))
    }
}

impl Drop for Wasm3Store {
    fn drop(&mut self) {
        // Runtimes return their code pages to the environment, so they go first.
        self.instances.clear();
        // SAFETY: created in `new`, freed once, after everything that used it.
        unsafe { ffi::m3_FreeEnvironment(self.env) }
    }
}

/// The raw 8 bytes of global `index` (wasm3 stores every global in a 64-bit slot).
///
/// # Safety
/// `module` is loaded and `index` is one of its globals.
unsafe fn global_bits(module: ffi::IM3Module, index: u32) -> u64 {
    let slot = (*module).globals.add(index as usize);
    ptr::addr_of!((*slot).__bindgen_anon_1)
        .cast::<u64>()
        .read_unaligned()
}

/// wasm3's extra text about the last error of `runtime`, if any.
///
/// # Safety
/// `runtime` is live.
unsafe fn error_detail(runtime: ffi::IM3Runtime) -> String {
    let mut info: ffi::M3ErrorInfo = std::mem::zeroed();
    ffi::m3_GetErrorInfo(runtime, &mut info);
    match crate::trap::c_text(info.message) {
        Some(m) if !m.is_empty() => format!(": {m}"),
        _ => String::new(),
    }
}

fn global_text(ty: GlobalType) -> String {
    if ty.mutable {
        format!("(mut {})", ty.content)
    } else {
        ty.content.to_string()
    }
}

fn out_of_memory() -> Error {
    Error::engine("wasm3", "out of memory")
}
