//! The `Runtime`: an engine plus everything that decides how modules run on it (limits, host
//! functions, what to do with unknown imports). Build one, then instantiate modules with it.

use crate::cache::{CacheError, CacheKey, CompileCache, Entry};
use crate::cached;
use crate::imports::{module_imports, HostFuncs, ModuleImport, UnknownImports};
use crate::instance::Instance;
use crate::metrics::{CacheOutcome, Counters, RuntimeMetrics};
use crate::module::Module;
use crate::pass::{Pass, Rewriting};
use crate::pool::Slots;
use crate::prepare::{instrument_options, prepare_with, rewrite, Compilation};
use crate::prepared::{Code, PreparedModule};
use std::sync::Arc;
use std::time::{Duration, Instant};
use wasmux_core::{CompiledModule, Engine, Error, HostFunc, Limits, PoolConfig, StoreConfig};

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
    /// An engine made already (the spec runner's), used instead of one made by name.
    made: Option<Arc<dyn Engine>>,
    limits: Limits,
    funcs: HostFuncs,
    per_instance: Vec<Arc<InstanceFuncs>>,
    unknown_imports: UnknownImports,
    store: StoreConfig,
    interruptible: bool,
    passes: Vec<Arc<dyn Pass>>,
    record_backtraces: bool,
    cache: Option<CompileCache>,
    pool: Option<u32>,
}

impl RuntimeBuilder {
    /// The engine variant by name (see `wasmux engines`); the default is `wasmtime`.
    pub fn engine(mut self, name: &str) -> Self {
        self.engine = Some(name.to_string());
        self
    }

    /// Runs on `engine`, made already, instead of one made by name.
    pub(crate) fn made_engine(mut self, engine: Arc<dyn Engine>) -> Self {
        self.made = Some(engine);
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

    /// On engines that report no frames of a trap (wasm3, wasmi; `EngineCaps::backtraces`),
    /// or none of one a host function raised (fuel, timeout: wasmer's Singlepass;
    /// `EngineCaps::host_trap_backtraces`), has every module record its own (a shadow stack
    /// in globals of its own, the innermost 64 frames), so that a trap there carries a
    /// backtrace as on wasmtime. It
    /// costs time on those engines: about 3x on code that does little but call functions
    /// (recursive Fibonacci on wasmi), less on real programs. Other engines ignore it.
    pub fn record_backtraces(mut self, yes: bool) -> Self {
        self.record_backtraces = yes;
        self
    }

    /// Adds a rewrite run on every module after wasmux's own (see [`Pass`]); passes run in the
    /// order they are added. What they import is linked from this builder's host functions.
    pub fn pass(mut self, pass: impl Pass + 'static) -> Self {
        self.passes.push(Arc::new(pass));
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
    /// use wasmux::{wasi::{Policy, PolicyError, Stdio}, Runtime};
    /// let policy = Policy::from_file("policy.toml")?;
    /// let runtime = Runtime::builder()
    ///     .wasi(move || Ok::<_, PolicyError>(policy.wasi_ctx()?.stdout(Stdio::Inherit)))
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

    /// Keeps compiled code in `cache` and loads it from there instead of compiling again, on
    /// engines that can write compiled code out (wasmtime and wasmer variants). A damaged or
    /// foreign entry is compiled again and replaced; a cache that cannot be written is
    /// reported by [`PreparedModule::cache_error`] and the module runs all the same.
    pub fn cache(mut self, cache: CompileCache) -> Self {
        self.cache = Some(cache);
        self
    }

    /// At most `slots` instances alive at once, each made from a pool: on wasmtime its pooling
    /// allocator, with memories mapped copy-on-write from the module's image, so that an
    /// instance costs microseconds; on the other engines a fresh instance per slot. Either way
    /// an instance starts from the module's initial state, never from what a previous one
    /// left, and one past the last slot is refused with `Error::Limit`.
    pub fn pool(mut self, slots: u32) -> Self {
        self.pool = Some(slots);
        self
    }

    pub fn unknown_imports(mut self, policy: UnknownImports) -> Self {
        self.unknown_imports = policy;
        self
    }

    pub fn build(self) -> Result<Runtime, Error> {
        let mut engine = match self.made {
            Some(engine) => engine,
            None => {
                let name = self
                    .engine
                    .clone()
                    .unwrap_or_else(|| crate::platform::default_engine().to_string());
                let name = name.as_str();
                let engine = crate::engine(name)?;
                if let Some(reason) = crate::platform::availability(name).reason {
                    return Err(Error::Unavailable {
                        engine: name.to_string(),
                        reason,
                    });
                }
                engine
            }
        };
        if let Some(slots) = self.pool {
            let pool = PoolConfig {
                slots,
                max_memory_bytes: self.limits.max_memory,
            };
            if let Some(pooled) = engine.pooled(&pool)? {
                engine = pooled;
            }
        }
        let rewrite = Rewriting {
            opts: instrument_options(engine.as_ref(), &self.limits, self.interruptible),
            shadow_stack: self.record_backtraces && !engine.info().caps.host_trap_backtraces,
            passes: self.passes,
        };
        Ok(Runtime(Arc::new(Shared {
            engine,
            limits: self.limits,
            funcs: self.funcs,
            per_instance: self.per_instance,
            unknown_imports: self.unknown_imports,
            store: self.store,
            rewrite,
            cache: self.cache,
            pool: self.pool.map(Slots::new),
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
    /// What the limits, the engine and the embedder's passes do to every module before it is
    /// compiled.
    pub rewrite: Rewriting,
    pub cache: Option<CompileCache>,
    pub pool: Option<Slots>,
    pub counters: Counters,
}

impl Runtime {
    pub fn builder() -> RuntimeBuilder {
        RuntimeBuilder::default()
    }

    pub(crate) fn shared(&self) -> &Shared {
        &self.0
    }

    /// Whether `other` is this runtime or a clone of it.
    pub(crate) fn same(&self, other: &Runtime) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }

    /// A new, empty group of instances that import each other's exports, in one store.
    pub fn linker(&self) -> Result<crate::Linker, Error> {
        crate::Linker::new(self)
    }

    pub fn engine(&self) -> &Arc<dyn Engine> {
        &self.0.engine
    }

    pub fn limits(&self) -> &Limits {
        &self.0.limits
    }

    /// Rewrites the module as the limits and the engine require and compiles it, once; the
    /// result instantiates any number of times without compiling again. With a compile cache,
    /// code compiled before is loaded instead.
    pub fn prepare(&self, module: &Module) -> Result<PreparedModule, Error> {
        let started = Instant::now();
        let key = self.cache_key(module.bytes());
        let source = Some(module.shared_bytes());
        if let Some(hit) = self.cached(module.name(), source, key.as_ref(), started) {
            return hit;
        }
        self.compile_and_store(module, key, started)
    }

    /// [`Runtime::prepare`] from a module's bytes (binary or text): with a compile cache, a
    /// module compiled before is loaded without being validated again, since the cache keys
    /// its code by the module's sha256 and only valid modules are ever compiled. A binary
    /// module's function bodies are validated once: by the engine where it compiles them
    /// unchanged and validates as wasmux does (`EngineCaps::validates`), by wasmux otherwise.
    /// Either way an invalid module gets the error [`Module::from_bytes`] gives.
    ///
    /// Code loaded from the cache this way keeps no copy of the module, so the frames of a
    /// trap are named as the engine knows them (see [`Runtime::prepare_shared`]).
    pub fn prepare_bytes(&self, name: &str, bytes: &[u8]) -> Result<PreparedModule, Error> {
        self.prepare_from(name, bytes, None)
    }

    /// [`Runtime::prepare_bytes`] of bytes the caller shares: the prepared module keeps them,
    /// without a copy, to name the frames of a trap in the module's own coordinates (function
    /// names, byte offsets, DWARF source lines) even when its code comes from the cache.
    pub fn prepare_shared(&self, name: &str, bytes: Arc<[u8]>) -> Result<PreparedModule, Error> {
        self.prepare_from(name, &bytes, Some(&bytes))
    }

    fn prepare_from(
        &self,
        name: &str,
        bytes: &[u8],
        shared: Option<&Arc<[u8]>>,
    ) -> Result<PreparedModule, Error> {
        let started = Instant::now();
        if bytes.starts_with(b"\0asm") {
            let key = self.cache_key(bytes);
            if let Some(hit) = self.cached(name, shared, key.as_ref(), started) {
                return hit;
            }
            let module = Module::bodies_unchecked(name, bytes)?;
            return self.compile_and_store(&module, key, started);
        }
        self.prepare(&Module::from_bytes(name, bytes)?)
    }

    /// A module compiled ahead of time (`wasmux compile`, [`Runtime::compile_artifact`]),
    /// read from `path`: refused, naming both sides, if another engine, version or target
    /// wrote it, or if it was compiled for other limits than this runtime's.
    pub fn prepare_artifact(&self, path: &std::path::Path) -> Result<PreparedModule, Error> {
        let started = Instant::now();
        let shared = self.shared();
        let file = path.display().to_string();
        let refused = |message: String| Error::Artifact {
            file: file.clone(),
            message,
        };
        let aot = crate::cache::read_aot(path, shared.engine.as_ref()).map_err(|e| match e {
            CacheError::Rejected { reason, .. } => refused(reason.to_string()),
            other => refused(other.to_string()),
        })?;
        let wanted = cached::rewrite_label(&shared.rewrite);
        if aot.key.options != wanted {
            return Err(refused(format!(
                "compiled with {}; this run needs {wanted}: compile it again with the limits it runs with",
                aot.key.options
            )));
        }
        let (compiled, imports) = match cached::load(shared.engine.as_ref(), &aot.entry) {
            Ok(loaded) => loaded,
            // Settings the engine checked itself (see `Engine::checks_settings_on_load`).
            Err(e) if Some(&aot.key.engine) != shared.engine.artifact_key().as_ref() => {
                return Err(refused(format!(
                    "compiled for {} with settings this engine ({}) cannot load: {e}",
                    aot.key.engine,
                    shared.engine.info().name
                )))
            }
            Err(e) => return Err(e),
        };
        self.loaded(file, compiled, None, imports, started)
    }

    /// A prepared module of code loaded, not compiled: from the cache or an AOT file.
    fn loaded(
        &self,
        name: String,
        compiled: Arc<dyn CompiledModule>,
        source: Option<Arc<[u8]>>,
        imports: Vec<ModuleImport>,
        started: Instant,
    ) -> Result<PreparedModule, Error> {
        let shared = self.shared();
        let took = started.elapsed();
        shared.counters.prepared(took, CacheOutcome::Hit);
        PreparedModule::new(
            self.clone(),
            Code {
                name,
                compiled,
                source,
                imports,
                compile_time: took,
                cache: CacheOutcome::Hit,
                cache_error: None,
            },
        )
    }

    /// Compiles `module` as this runtime would run it, for this machine or for `target` (a
    /// triple such as `aarch64-unknown-linux-gnu`, on engines that cross-compile), as the
    /// key and entry of an AOT file ([`crate::write_aot`]).
    pub fn compile_artifact(
        &self,
        module: &Module,
        target: Option<&str>,
    ) -> Result<(CacheKey, Entry), Error> {
        let shared = self.shared();
        let engine = shared.engine.as_ref();
        let not_serializable = || Error::Unsupported {
            engine: engine.info().name.clone(),
            what: "writing compiled code to a file (it compiles nothing worth keeping)".into(),
        };
        if let Some(target) = target {
            let label = cached::rewrite_label(&shared.rewrite);
            let rewritten = rewrite(engine, module.name(), module.bytes(), &shared.rewrite)?;
            let artifact = engine.precompile_for(&rewritten, target)?;
            let key = CacheKey::new(module.bytes(), label, artifact.key);
            let entry = Entry {
                metadata: cached::metadata(&rewritten),
                artifact: artifact.bytes,
            };
            return Ok((key, entry));
        }
        let key =
            cached::key(engine, module.bytes(), &shared.rewrite).ok_or_else(not_serializable)?;
        let compiled = self.compile(module)?;
        let entry = cached::entry(engine, compiled.compiled.as_ref(), &compiled.bytes)?
            .ok_or_else(not_serializable)?;
        Ok((key, entry))
    }

    /// `module` rewritten for this runtime's limits and compiled by its engine.
    fn compile<'m>(&self, module: &'m Module) -> Result<Compilation<'m>, Error> {
        let shared = self.shared();
        prepare_with(
            shared.engine.as_ref(),
            module.name(),
            module.bytes(),
            &shared.rewrite,
            module.bodies_checked(),
        )
    }

    fn cache_key(&self, module: &[u8]) -> Option<CacheKey> {
        let shared = self.shared();
        shared.cache.as_ref()?;
        cached::key(shared.engine.as_ref(), module, &shared.rewrite)
    }

    /// The prepared module from the cache, when it holds an intact entry for `key`.
    fn cached(
        &self,
        name: &str,
        source: Option<&Arc<[u8]>>,
        key: Option<&CacheKey>,
        started: Instant,
    ) -> Option<Result<PreparedModule, Error>> {
        let shared = self.shared();
        let (cache, key) = (shared.cache.as_ref()?, key?);
        let (compiled, imports) = cached::lookup(cache, shared.engine.as_ref(), key)?;
        Some(self.loaded(
            name.to_string(),
            compiled,
            source.cloned(),
            imports,
            started,
        ))
    }

    fn compile_and_store(
        &self,
        module: &Module,
        key: Option<CacheKey>,
        started: Instant,
    ) -> Result<PreparedModule, Error> {
        let shared = self.shared();
        let engine = shared.engine.as_ref();
        let compiled = self.compile(module)?;
        let imports = module_imports(&compiled.bytes)?;
        let (outcome, cache_error) = match (&shared.cache, key) {
            (Some(cache), Some(key)) => {
                let stored = cached::entry(engine, compiled.compiled.as_ref(), &compiled.bytes)
                    .map_err(|e| e.to_string())
                    .and_then(|entry| match entry {
                        Some(entry) => cache.put(&key, &entry).map_err(|e| e.to_string()),
                        None => Ok(()),
                    });
                (CacheOutcome::Miss, stored.err())
            }
            _ => (CacheOutcome::Off, None),
        };
        let took = started.elapsed();
        shared.counters.prepared(took, outcome);
        PreparedModule::new(
            self.clone(),
            Code {
                name: module.name().to_string(),
                compiled: compiled.compiled,
                source: Some(module.shared_bytes().clone()),
                imports,
                compile_time: took,
                cache: outcome,
                cache_error,
            },
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
