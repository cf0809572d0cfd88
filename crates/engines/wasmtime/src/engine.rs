//! `Engine` and `CompiledModule` for one wasmtime variant.

use crate::error::compile_error;
use crate::store::WasmtimeStore;
use crate::variant::Variant;
use std::any::Any;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use wasmux_core::{
    Artifact, ArtifactKey, CompiledModule, Engine, EngineInfo, Error, PoolConfig, Store,
    StoreConfig,
};

pub(crate) struct WasmtimeEngine {
    pub(crate) variant: Variant,
    info: EngineInfo,
    /// wasmtime fixes the wasm stack limit per `wasmtime::Engine`, so one is built (lazily, once)
    /// for each stack limit stores ask for; `None` is wasmtime's default limit.
    engines: Mutex<HashMap<Option<usize>, wasmtime::Engine>>,
    /// Built on first use: it needs an engine, and most runs never ask for it.
    artifact_key: OnceLock<Option<ArtifactKey>>,
    /// Instances come from wasmtime's pooling allocator, in this many slots.
    pool: Option<PoolConfig>,
}

impl WasmtimeEngine {
    pub(crate) fn new(variant: Variant) -> Self {
        WasmtimeEngine {
            variant,
            info: variant.info(),
            engines: Mutex::new(HashMap::new()),
            artifact_key: OnceLock::new(),
            pool: None,
        }
    }

    pub(crate) fn engine_for(&self, stack: Option<usize>) -> Result<wasmtime::Engine, Error> {
        let mut engines = self.engines.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(engine) = engines.get(&stack) {
            return Ok(engine.clone());
        }
        let name = self.variant.name();
        let mut config = self
            .variant
            .config(stack)
            .map_err(|e| Error::engine(name, format!("{e:#}")))?;
        if let Some(pool) = &self.pool {
            crate::pool::configure(&mut config, pool);
        }
        let engine =
            wasmtime::Engine::new(&config).map_err(|e| Error::engine(name, format!("{e:#}")))?;
        engines.insert(stack, engine.clone());
        Ok(engine)
    }
}

impl Engine for WasmtimeEngine {
    fn pooled(&self, pool: &PoolConfig) -> Result<Option<Arc<dyn Engine>>, Error> {
        let pooled = WasmtimeEngine {
            pool: Some(*pool),
            ..WasmtimeEngine::new(self.variant)
        };
        // Reserving the pool's address space happens here, so a pool too large for this
        // machine is refused when the runtime is built rather than at its first instance.
        pooled.engine_for(None)?;
        Ok(Some(Arc::new(pooled)))
    }

    fn info(&self) -> &EngineInfo {
        &self.info
    }

    fn compile(&self, wasm: &[u8]) -> Result<Arc<dyn CompiledModule>, Error> {
        let engine = self.engine_for(None)?;
        let module = wasmtime::Module::new(&engine, wasm)
            .map_err(|e| compile_error(self.variant.name(), &e))?;
        Ok(Arc::new(WasmtimeModule::new(
            self.variant,
            Source::Wasm(wasm.into()),
            engine,
            module,
        )))
    }

    fn new_store(&self, config: &StoreConfig) -> Result<Box<dyn Store>, Error> {
        if config.max_stack_bytes == Some(0) {
            return Err(Error::engine(
                self.variant.name(),
                "a stack limit of 0 bytes leaves no room to run anything",
            ));
        }
        let engine = self.engine_for(config.max_stack_bytes)?;
        Ok(Box::new(WasmtimeStore::new(self.variant, engine)))
    }

    fn artifact_key(&self) -> Option<ArtifactKey> {
        self.artifact_key
            .get_or_init(|| crate::artifact::native_key(self))
            .clone()
    }

    fn serialize(&self, module: &dyn CompiledModule) -> Result<Option<Vec<u8>>, Error> {
        crate::artifact::serialize(self, module).map(Some)
    }

    fn deserialize(&self, artifact: &[u8]) -> Result<Arc<dyn CompiledModule>, Error> {
        crate::artifact::deserialize(self, artifact)
    }

    /// `wasmtime::Module::deserialize` compares the code's target, compiler flags, CPU
    /// features (they must be present here), tunables and proposals with the engine's.
    fn checks_settings_on_load(&self) -> bool {
        true
    }

    fn precompile_for(&self, wasm: &[u8], target: &str) -> Result<Artifact, Error> {
        crate::artifact::precompile_for(self, wasm, target)
    }
}

/// What a module can be built from again, for a store whose engine has another stack limit.
pub(crate) enum Source {
    /// Compiled from these bytes.
    Wasm(Box<[u8]>),
    /// Loaded from this artifact: loading it again is cheaper than compiling, and the wasm is
    /// not at hand.
    Artifact(Box<[u8]>),
}

pub(crate) struct WasmtimeModule {
    pub(crate) variant: Variant,
    source: Source,
    compiled: Mutex<Vec<(wasmtime::Engine, wasmtime::Module)>>,
}

impl WasmtimeModule {
    pub(crate) fn new(
        variant: Variant,
        source: Source,
        engine: wasmtime::Engine,
        module: wasmtime::Module,
    ) -> Self {
        WasmtimeModule {
            variant,
            source,
            compiled: Mutex::new(vec![(engine, module)]),
        }
    }

    /// The module as first compiled or loaded, by the engine with the default stack limit.
    pub(crate) fn first(&self) -> wasmtime::Module {
        let compiled = self.compiled.lock().unwrap_or_else(PoisonError::into_inner);
        compiled[0].1.clone()
    }

    /// This module compiled by `engine`, compiling (or loading) it on first use.
    pub(crate) fn for_engine(&self, engine: &wasmtime::Engine) -> Result<wasmtime::Module, Error> {
        let mut compiled = self.compiled.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((_, module)) = compiled
            .iter()
            .find(|(e, _)| wasmtime::Engine::same(e, engine))
        {
            return Ok(module.clone());
        }
        let module = match &self.source {
            Source::Wasm(wasm) => wasmtime::Module::new(engine, wasm)
                .map_err(|e| compile_error(self.variant.name(), &e))?,
            // SAFETY: these bytes were loaded into this variant's default engine already, and
            // engines of one variant differ only in the stack limit, which wasmtime does not
            // compile into code (it is no part of `precompile_compatibility_hash`).
            Source::Artifact(bytes) => unsafe { wasmtime::Module::deserialize(engine, bytes) }
                .map_err(|e| Error::engine(self.variant.name(), format!("{e:#}")))?,
        };
        compiled.push((engine.clone(), module.clone()));
        Ok(module)
    }
}

impl CompiledModule for WasmtimeModule {
    fn as_any(&self) -> &dyn Any {
        self
    }
}
