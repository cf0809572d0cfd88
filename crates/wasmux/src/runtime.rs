//! The `Runtime`: an engine plus everything that decides how modules run on it (limits, host
//! functions, what to do with unknown imports). Build one, then instantiate modules with it.

use crate::imports::{module_imports, HostFuncs, UnknownImports};
use crate::instance::Instance;
use crate::metrics::{CacheOutcome, Counters, RuntimeMetrics};
use crate::module::Module;
use crate::prepare::{instrument_options, prepare_with};
use crate::prepared::PreparedModule;
use std::sync::Arc;
use std::time::{Duration, Instant};
use wasmux_core::{Engine, Error, HostFunc, Limits, StoreConfig};
use wasmux_instrument::Options;

/// Makes the host functions one instance gets for itself: called once per instantiation.
pub type InstanceFuncs =
    dyn Fn() -> Result<Vec<(String, String, HostFunc)>, Error> + Send + Sync + 'static;

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
    per_instance: Vec<Arc<InstanceFuncs>>,
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

    /// Host functions each instance gets for itself, made by `make` at every instantiation:
    /// for state one instance must not share with another (a counter, a connection, a WASI
    /// context). They provide the imports that functions registered with
    /// [`RuntimeBuilder::func`] leave unprovided.
    pub fn funcs_per_instance(
        mut self,
        make: impl Fn() -> Result<Vec<(String, String, HostFunc)>, Error> + Send + Sync + 'static,
    ) -> Self {
        self.per_instance.push(Arc::new(make));
        self
    }

    /// Gives every instance WASI preview1 (`wasi_snapshot_preview1`) with a context of its own,
    /// made by `make` when it is instantiated: its own descriptors, streams and audit instance
    /// number.
    ///
    /// ```no_run
    /// use wasmux::{wasi::{Policy, Stdio, WasiCtx}, Runtime};
    /// let policy = Policy::from_file("policy.toml")?;
    /// let runtime = Runtime::builder()
    ///     .wasi(move || Ok(policy.wasi_ctx()?.stdout(Stdio::Inherit)))
    ///     .build()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn wasi<E>(
        self,
        make: impl Fn() -> Result<wasmux_wasi::WasiCtx, E> + Send + Sync + 'static,
    ) -> Self
    where
        E: std::error::Error + Send + Sync + 'static,
    {
        self.funcs_per_instance(move || {
            let ctx = make().map_err(|e| Error::InstanceSetup(Box::new(e)))?;
            Ok(wasi_funcs(ctx))
        })
    }

    /// Gives guests WASI preview1 with exactly what `ctx` grants, one context for all
    /// instances of this runtime: they share its descriptors, streams and audit instance
    /// number (and take turns in its calls).
    pub fn wasi_shared(mut self, ctx: wasmux_wasi::WasiCtx) -> Self {
        for (module, name, func) in wasi_funcs(ctx) {
            self.funcs.insert((module, name), func);
        }
        self
    }

    pub fn unknown_imports(mut self, policy: UnknownImports) -> Self {
        self.unknown_imports = policy;
        self
    }

    pub fn build(self) -> Result<Runtime, Error> {
        let engine = crate::engine(self.engine.as_deref().unwrap_or("wasmtime"))?;
        let rewrite = instrument_options(engine.as_ref(), &self.limits, self.interruptible);
        Ok(Runtime(Arc::new(Shared {
            engine,
            limits: self.limits,
            funcs: self.funcs,
            per_instance: self.per_instance,
            unknown_imports: self.unknown_imports,
            store: self.store,
            rewrite,
            counters: Counters::default(),
        })))
    }
}

fn wasi_funcs(ctx: wasmux_wasi::WasiCtx) -> Vec<(String, String, HostFunc)> {
    wasmux_wasi::host_funcs(ctx)
        .into_iter()
        .map(|(module, name, func)| (module.to_string(), name.to_string(), func))
        .collect()
}

/// An engine plus everything that decides how modules run on it. Cheap to clone; clones
/// share everything, and may be used from any thread.
#[derive(Clone)]
pub struct Runtime(Arc<Shared>);

pub(crate) struct Shared {
    pub engine: Arc<dyn Engine>,
    pub limits: Limits,
    pub funcs: HostFuncs,
    pub per_instance: Vec<Arc<InstanceFuncs>>,
    pub unknown_imports: UnknownImports,
    pub store: StoreConfig,
    /// What the limits and the engine ask of every module before it is compiled.
    pub rewrite: Options,
    pub counters: Counters,
}

impl Runtime {
    pub fn builder() -> RuntimeBuilder {
        RuntimeBuilder::default()
    }

    pub(crate) fn shared(&self) -> &Shared {
        &self.0
    }

    pub fn engine(&self) -> &Arc<dyn Engine> {
        &self.0.engine
    }

    pub fn limits(&self) -> &Limits {
        &self.0.limits
    }

    /// Rewrites the module as the limits and the engine require and compiles it, once; the
    /// result instantiates any number of times without compiling again.
    pub fn prepare(&self, module: &Module) -> Result<PreparedModule, Error> {
        let started = Instant::now();
        let shared = self.shared();
        let compiled = prepare_with(
            shared.engine.as_ref(),
            module.name(),
            module.bytes(),
            &shared.rewrite,
        )?;
        let imports = module_imports(&compiled.bytes)?;
        let took = started.elapsed();
        shared.counters.prepared(took, CacheOutcome::Off);
        PreparedModule::new(
            self.clone(),
            module.name().to_string(),
            compiled.compiled,
            imports,
            compiled.metered,
            took,
        )
    }

    /// What this runtime has done so far (compiles, cache hits, instances, calls) and what it
    /// cost.
    pub fn metrics(&self) -> RuntimeMetrics {
        self.0.counters.snapshot(&self.0.engine.info().name)
    }

    /// [`Runtime::metrics`] in the Prometheus text format, for a `/metrics` endpoint.
    pub fn metrics_text(&self) -> String {
        self.metrics().prometheus()
    }

    /// Prepares the module and makes one instance of it: links it and runs its start function.
    /// To instantiate a module more than once, [`Runtime::prepare`] it once instead.
    pub fn instantiate(&self, module: &Module) -> Result<Instance, Error> {
        self.prepare(module)?.instantiate()
    }
}

impl std::fmt::Debug for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runtime")
            .field("engine", &self.0.engine.info().name)
            .field("limits", &self.0.limits)
            .finish_non_exhaustive()
    }
}
