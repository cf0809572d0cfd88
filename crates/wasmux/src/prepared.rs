//! `PreparedModule`: a module validated, rewritten and compiled once for one runtime, then
//! instantiated any number of times, from any thread, without compiling again.

use crate::imports::{link_plan, Link, ModuleImport};
use crate::instance::Instance;
use crate::metrics::CacheOutcome;
use crate::runtime::Runtime;
use std::sync::Arc;
use std::time::Duration;
use wasmux_core::{CompiledModule, Error};

/// A module ready to instantiate on the runtime that prepared it (as wasmtime's
/// `InstancePre`). Cheap to clone: clones share the compiled code.
///
/// ```no_run
/// use wasmux::{Module, Runtime, Val};
/// let runtime = Runtime::builder().engine("wasmtime").build()?;
/// let prepared = runtime.prepare(&Module::from_file("add.wat")?)?;
/// let workers: Vec<_> = (0..2)
///     .map(|i| {
///         let prepared = prepared.clone();
///         std::thread::spawn(move || prepared.instantiate()?.call("add", &[Val::I32(i), Val::I32(1)]))
///     })
///     .collect();
/// for worker in workers {
///     println!("{:?}", worker.join().unwrap()?);
/// }
/// # Ok::<(), wasmux::Error>(())
/// ```
#[derive(Clone)]
pub struct PreparedModule(pub(crate) Arc<Prepared>);

pub(crate) struct Prepared {
    pub runtime: Runtime,
    pub code: Code,
    /// How each of `code.imports` is linked.
    pub links: Vec<Link>,
}

/// What preparing made, compiled or loaded from a cache.
pub(crate) struct Code {
    pub name: String,
    pub compiled: Arc<dyn CompiledModule>,
    /// The module as the user gave it (shared, not copied), to name the frames of a trap in
    /// its coordinates; `None` for code loaded from an AOT file, or from the cache given only
    /// borrowed bytes ([`crate::Runtime::prepare_bytes`]).
    pub source: Option<Arc<[u8]>>,
    /// The imports of the code the engine compiled (after rewriting), in order.
    pub imports: Vec<ModuleImport>,
    pub compile_time: Duration,
    pub cache: CacheOutcome,
    /// Why the compiled code could not be stored in the cache, if it could not.
    pub cache_error: Option<String>,
}

impl PreparedModule {
    pub(crate) fn new(runtime: Runtime, code: Code) -> Result<PreparedModule, Error> {
        let shared = runtime.shared();
        let links = link_plan(
            &code.imports,
            &shared.funcs,
            shared.unknown_imports,
            !shared.per_instance.is_empty(),
        );
        Ok(PreparedModule(Arc::new(Prepared {
            runtime,
            code,
            links,
        })))
    }

    /// A new instance: its own store, its own per-instance host functions (and WASI context
    /// where the runtime makes one per instance), its start function run. Imports that only
    /// another instance could provide are named as missing; instantiate with a
    /// [`crate::Linker`] to provide them.
    pub fn instantiate(&self) -> Result<Instance, Error> {
        Instance::new(self)
    }

    /// The name the module was loaded under (its path, for a file).
    pub fn name(&self) -> &str {
        &self.0.code.name
    }

    pub fn runtime(&self) -> &Runtime {
        &self.0.runtime
    }

    /// How long validation, rewriting and compiling took (or loading, from the cache).
    pub fn compile_time(&self) -> Duration {
        self.0.code.compile_time
    }

    /// Whether the code came from the compile cache.
    pub fn cache_outcome(&self) -> CacheOutcome {
        self.0.code.cache
    }

    /// Why the code compiled now could not be stored in the compile cache (a read-only or
    /// full directory): worth reporting once; the module runs all the same.
    pub fn cache_error(&self) -> Option<&str> {
        self.0.code.cache_error.as_deref()
    }
}

impl std::fmt::Debug for PreparedModule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PreparedModule")
            .field("name", &self.0.code.name)
            .field("engine", &self.0.runtime.engine().info().name)
            .finish_non_exhaustive()
    }
}
