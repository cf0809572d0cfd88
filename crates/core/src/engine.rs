//! The traits every engine adapter implements.

use crate::artifact::{Artifact, ArtifactKey};
use crate::error::Error;
use crate::host::HostFunc;
use crate::prelude::*;
use crate::types::{ExportType, FuncType, GlobalType, MemoryType, TableType, Val};
use alloc::sync::Arc;
use core::any::Any;
use serde::Serialize;

/// What an engine can do natively. wasmux fills the gaps by rewriting modules, so these say how
/// a feature is provided, not whether it is.
#[derive(Clone, Debug, Default, Serialize)]
pub struct EngineCaps {
    pub native_fuel: bool,
    pub native_interrupt: bool,
    pub simd: bool,
    pub reference_types: bool,
    pub bulk_memory: bool,
    pub multi_value: bool,
    pub multi_memory: bool,
    pub tail_call: bool,
    pub memory64: bool,
    pub threads: bool,
    pub exceptions: bool,
    pub extended_const: bool,
    /// Post-MVP instructions the engine lacks and that wasmux lowers to MVP code before the
    /// engine sees the module.
    pub needs_lowering: bool,
    /// Imports of memories, tables and globals from other instances.
    pub cross_instance_linking: bool,
    /// The engine validates every module it compiles, function bodies included, and accepts no
    /// feature that wasmux refuses; wasmux then leaves the bodies of a module it passes on
    /// unchanged to the engine, and checks them itself only to word a refusal.
    pub validates: bool,
    /// The engine reports the wasm frames of a trap. Where it does not (wasm3, wasmi), wasmux
    /// can have the guest record them itself (`RuntimeBuilder::record_backtraces`).
    pub backtraces: bool,
    /// Those frames also for a trap a host function raised: running out of fuel, a timeout,
    /// a host error. wasmer's Singlepass keeps none for these; wasmux has the guest record
    /// them there too when asked.
    pub host_trap_backtraces: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct EngineInfo {
    /// The name users select it by: `wasmtime`, `wasmtime:winch`, `wasmer:llvm`, `wasm3`...
    pub name: String,
    /// The engine family: `wasmtime`, `wasmer`, `wasm3`, `wasmi`.
    pub engine: String,
    pub version: String,
    /// How it executes code, for people: "optimizing JIT (Cranelift)", "interpreter"...
    pub kind: String,
    pub caps: EngineCaps,
}

#[derive(Clone, Debug, Default)]
pub struct StoreConfig {
    /// Bytes of native or interpreter stack a guest may use before `StackOverflow`.
    pub max_stack_bytes: Option<usize>,
}

/// What an instance pool holds: how many instances may be alive at once, and how large their
/// memories may grow (the runtime's memory limit).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PoolConfig {
    pub slots: u32,
    pub max_memory_bytes: Option<u64>,
}

/// An engine variant, ready to compile modules.
pub trait Engine: Send + Sync {
    fn info(&self) -> &EngineInfo;
    /// Compiles (or, for interpreters, prepares) an already validated module.
    fn compile(&self, wasm: &[u8]) -> Result<Arc<dyn CompiledModule>, Error>;
    fn new_store(&self, config: &StoreConfig) -> Result<Box<dyn Store>, Error>;

    /// What compiled code of this engine depends on; `None` if it cannot write compiled code
    /// to bytes (interpreters, which compile nothing worth keeping).
    fn artifact_key(&self) -> Option<ArtifactKey> {
        None
    }

    /// `module` (compiled by this engine) as bytes [`Engine::deserialize`] can load into an
    /// engine with the same [`Engine::artifact_key`]; `None` if this engine cannot serialize.
    fn serialize(&self, module: &dyn CompiledModule) -> Result<Option<Vec<u8>>, Error> {
        let _ = module;
        Ok(None)
    }

    /// Whether [`Engine::deserialize`] itself checks that compiled code's settings suit this
    /// engine (wasmtime does: CPU features, tunables, proposals, and refuses code that does not
    /// fit with an error), so that a file of an equal engine, version and target but another
    /// settings digest may be handed to it. Code compiled on another machine for this one
    /// (`wasmux compile --target`) is compiled for the target's baseline CPU, without the
    /// features this machine detects for its own code, so its digest differs.
    fn checks_settings_on_load(&self) -> bool {
        false
    }

    /// Loads bytes [`Engine::serialize`] or [`Engine::precompile_for`] wrote. Engines load
    /// compiled code as it is, without checking it is harmless: the caller must know the bytes
    /// are unmodified output of an engine with an equal [`Engine::artifact_key`] (the cache and
    /// the AOT file format check a sha256 checksum and the key before calling this).
    fn deserialize(&self, artifact: &[u8]) -> Result<Arc<dyn CompiledModule>, Error> {
        let _ = artifact;
        Err(cannot_serialize(self.info()))
    }

    /// Compiles `wasm` for another machine, given by its target triple
    /// (`aarch64-unknown-linux-gnu`): the code, and the key of the engine that can load it.
    fn precompile_for(&self, wasm: &[u8], target: &str) -> Result<Artifact, Error> {
        let _ = (wasm, target);
        Err(cannot_serialize(self.info()))
    }

    /// This engine with an instance pool of its own, where the engine has one (wasmtime's
    /// pooling allocator, with copy-on-write memory images); `None` where it has none, and the
    /// facade's pooling (fresh instances within the same slot count) applies.
    fn pooled(&self, pool: &PoolConfig) -> Result<Option<Arc<dyn Engine>>, Error> {
        let _ = pool;
        Ok(None)
    }
}

fn cannot_serialize(engine: &EngineInfo) -> Error {
    Error::Unsupported {
        engine: engine.name.clone(),
        what: "compiled artifacts (it does not write compiled code to bytes)".to_string(),
    }
}

/// A module compiled by one engine; only stores of that engine accept it.
pub trait CompiledModule: Send + Sync {
    fn as_any(&self) -> &dyn Any;
}

/// An instance within a store.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct InstanceId(pub u32);

/// A function, memory, table or global owned by a store: exported by one of its instances or
/// created by the host, and importable by its other instances.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ExternHandle(pub u32);

#[derive(Clone, Debug)]
pub enum ImportValue {
    Func(HostFunc),
    Extern(ExternHandle),
}

/// What satisfies one import of a module, at the import's position in the list given to
/// [`Store::instantiate`]. `module` and `name` label it for the caller's own messages and for
/// people reading the list; stores link by position and never look them up.
#[derive(Clone, Debug)]
pub struct Import {
    pub module: String,
    pub name: String,
    pub value: ImportValue,
}

/// The check every [`Store::instantiate`] starts with: one import per module import.
pub fn check_import_count(module_imports: usize, imports: &[Import]) -> Result<(), Error> {
    if imports.len() == module_imports {
        Ok(())
    } else {
        Err(Error::ImportCount {
            expected: module_imports,
            given: imports.len(),
        })
    }
}

/// A set of instances that can share functions, memories, tables and globals. Not shared
/// between threads; cancellation reaches it through host functions the instrumentation calls.
pub trait Store: Send {
    /// Instantiates `module` (compiled by this store's engine).
    ///
    /// `imports[i]` satisfies the module's i-th import, in the module's import order, one entry
    /// per import. The caller (the facade, the spec runner) matches imports by name, and names
    /// what is missing, before it calls; the store links by position and searches nothing.
    /// A list of another length is [`Error::ImportCount`]; a value of the wrong kind or type
    /// for its import is [`Error::IncompatibleImport`] naming the module's import, whether the
    /// engine checks that itself or the adapter does for it.
    fn instantiate(
        &mut self,
        module: &dyn CompiledModule,
        imports: &[Import],
    ) -> Result<InstanceId, Error>;

    /// Calls an exported function. Argument count and types were checked by the caller.
    fn call(&mut self, instance: InstanceId, func: &str, args: &[Val]) -> Result<Vec<Val>, Error>;

    /// Calls a function by the handle [`Store::export`] gave for it: the fast path for
    /// repeated calls, with no lookup by name.
    fn call_handle(&mut self, func: ExternHandle, args: &[Val]) -> Result<Vec<Val>, Error>;

    fn exports(&self, instance: InstanceId) -> Vec<ExportType>;

    fn func_type(&self, instance: InstanceId, func: &str) -> Option<FuncType> {
        self.exports(instance)
            .into_iter()
            .find(|e| e.name == func)
            .and_then(|e| e.func)
    }

    /// An export of an instance as a handle another instance can import.
    fn export(&mut self, instance: InstanceId, name: &str) -> Option<ExternHandle>;

    /// The current value of an exported global.
    fn global_get(&mut self, instance: InstanceId, name: &str) -> Option<Val>;

    /// Bytes of the instance's memory, as statistics report it: the export named `memory`
    /// (the one host functions see), else the first exported memory; `None` if the instance
    /// exports none. (An unexported memory is out of reach of most engines' APIs, so none
    /// reports one.)
    fn memory_size(&mut self, instance: InstanceId) -> Option<u64>;

    /// A copy of the memory [`Store::memory_size`] measures, for reports written after a trap
    /// (core dumps); `None` where that size is `None`, or where the adapter cannot read it.
    fn memory_data(&mut self, instance: InstanceId) -> Option<Vec<u8>> {
        let _ = instance;
        None
    }

    fn new_global(&mut self, ty: GlobalType, init: Val) -> Result<ExternHandle, Error>;
    fn new_memory(&mut self, ty: MemoryType) -> Result<ExternHandle, Error>;
    fn new_table(&mut self, ty: TableType) -> Result<ExternHandle, Error>;
}
