//! The `Runtime`: an engine plus everything that decides how modules run on it (limits, host
//! functions, what to do with unknown imports). Build one, then instantiate modules with it.

use crate::imports::{HostFuncs, UnknownImports};
use crate::instance::Instance;
use crate::module::Module;
use crate::prepare::{instrument_options, prepare_with};
use std::sync::Arc;
use std::time::Duration;
use wasmux_core::{Engine, Error, HostFunc, Limits, StoreConfig};

/// Configures a [`Runtime`].
///
/// ```no_run
/// use wasmux::{Runtime, Module, Val};
/// let runtime = Runtime::builder().engine("wasmi").fuel(1_000_000).build()?;
/// let module = Module::from_file("add.wat")?;
/// let mut instance = runtime.instantiate(&module)?;
/// let sum = instance.call("add", &[Val::I32(2), Val::I32(3)])?;
/// # Ok::<(), wasmux::Error>(())
/// ```
#[derive(Default)]
pub struct RuntimeBuilder {
    engine: Option<String>,
    limits: Limits,
    funcs: HostFuncs,
    unknown_imports: UnknownImports,
    store: StoreConfig,
    interruptible: bool,
}

impl RuntimeBuilder {
    /// The engine variant by name (see `wasmux engines`); the default is `wasmtime`.
    pub fn engine(mut self, name: &str) -> Self {
        self.engine = Some(name.to_string());
        self
    }

    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    pub fn fuel(mut self, fuel: u64) -> Self {
        self.limits.fuel = Some(fuel);
        self
    }

    pub fn max_memory(mut self, bytes: u64) -> Self {
        self.limits.max_memory = Some(bytes);
        self
    }

    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.limits.timeout = Some(timeout);
        self
    }

    /// Makes instances cancellable through [`Instance::cancel_handle`] even without a timeout
    /// (a timeout implies it). Costs a periodic check in loops and calls.
    pub fn interruptible(mut self, yes: bool) -> Self {
        self.interruptible = yes;
        self
    }

    pub fn max_stack(mut self, bytes: usize) -> Self {
        self.store.max_stack_bytes = Some(bytes);
        self
    }

    /// Registers a host function that guests import as `module::name`.
    pub fn func(mut self, module: &str, name: &str, func: HostFunc) -> Self {
        self.funcs
            .insert((module.to_string(), name.to_string()), func);
        self
    }

    /// Gives guests WASI preview1 (`wasi_snapshot_preview1`) with exactly what `ctx` grants.
    /// Instances of this runtime share the context (its descriptors and streams).
    pub fn wasi(mut self, ctx: wasmux_wasi::WasiCtx) -> Self {
        for (module, name, func) in wasmux_wasi::host_funcs(ctx) {
            self = self.func(module, name, func);
        }
        self
    }

    pub fn unknown_imports(mut self, policy: UnknownImports) -> Self {
        self.unknown_imports = policy;
        self
    }

    pub fn build(self) -> Result<Runtime, Error> {
        let engine = crate::engine(self.engine.as_deref().unwrap_or("wasmtime"))?;
        Ok(Runtime {
            engine,
            limits: self.limits,
            funcs: self.funcs,
            unknown_imports: self.unknown_imports,
            store: self.store,
            interruptible: self.interruptible,
        })
    }
}

pub struct Runtime {
    pub(crate) engine: Arc<dyn Engine>,
    pub(crate) limits: Limits,
    pub(crate) funcs: HostFuncs,
    pub(crate) unknown_imports: UnknownImports,
    pub(crate) store: StoreConfig,
    pub(crate) interruptible: bool,
}

impl Runtime {
    pub fn builder() -> RuntimeBuilder {
        RuntimeBuilder::default()
    }

    pub fn engine(&self) -> &Arc<dyn Engine> {
        &self.engine
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Rewrites the module as the limits and the engine require, compiles it, links it and runs
    /// its start function.
    pub fn instantiate(&self, module: &Module) -> Result<Instance, Error> {
        let opts = instrument_options(self.engine.as_ref(), &self.limits, self.interruptible);
        let prepared = prepare_with(self.engine.as_ref(), &module.name, &module.bytes, &opts)?;
        Instance::new(self, prepared)
    }
}
