//! `Engine` and `CompiledModule` for one wasmtime variant.

use crate::error::compile_error;
use crate::store::WasmtimeStore;
use crate::variant::Variant;
use std::any::Any;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use wasmux_core::{CompiledModule, Engine, EngineInfo, Error, Store, StoreConfig};

pub(crate) struct WasmtimeEngine {
    variant: Variant,
    info: EngineInfo,
    /// wasmtime fixes the wasm stack limit per `wasmtime::Engine`, so one is built (lazily, once)
    /// for each stack limit stores ask for; `None` is wasmtime's default limit.
    engines: Mutex<HashMap<Option<usize>, wasmtime::Engine>>,
}

impl WasmtimeEngine {
    pub(crate) fn new(variant: Variant) -> Self {
        WasmtimeEngine {
            variant,
            info: variant.info(),
            engines: Mutex::new(HashMap::new()),
        }
    }

    fn engine_for(&self, stack: Option<usize>) -> Result<wasmtime::Engine, Error> {
        let mut engines = self.engines.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(engine) = engines.get(&stack) {
            return Ok(engine.clone());
        }
        let name = self.variant.name();
        let config = self
            .variant
            .config(stack)
            .map_err(|e| Error::engine(name, format!("{e:#}")))?;
        let engine =
            wasmtime::Engine::new(&config).map_err(|e| Error::engine(name, format!("{e:#}")))?;
        engines.insert(stack, engine.clone());
        Ok(engine)
    }
}

impl Engine for WasmtimeEngine {
    fn info(&self) -> &EngineInfo {
        &self.info
    }

    fn compile(&self, wasm: &[u8]) -> Result<Arc<dyn CompiledModule>, Error> {
        let engine = self.engine_for(None)?;
        let module = wasmtime::Module::new(&engine, wasm)
            .map_err(|e| compile_error(self.variant.name(), &e))?;
        Ok(Arc::new(WasmtimeModule {
            variant: self.variant,
            wasm: wasm.into(),
            compiled: Mutex::new(vec![(engine, module)]),
        }))
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
}

pub(crate) struct WasmtimeModule {
    pub(crate) variant: Variant,
    /// Kept so the module can be compiled again for an engine with another stack limit.
    wasm: Box<[u8]>,
    compiled: Mutex<Vec<(wasmtime::Engine, wasmtime::Module)>>,
}

impl WasmtimeModule {
    /// This module compiled by `engine`, compiling it on first use.
    pub(crate) fn for_engine(&self, engine: &wasmtime::Engine) -> Result<wasmtime::Module, Error> {
        let mut compiled = self.compiled.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((_, module)) = compiled
            .iter()
            .find(|(e, _)| wasmtime::Engine::same(e, engine))
        {
            return Ok(module.clone());
        }
        let module = wasmtime::Module::new(engine, &self.wasm)
            .map_err(|e| compile_error(self.variant.name(), &e))?;
        compiled.push((engine.clone(), module.clone()));
        Ok(module)
    }
}

impl CompiledModule for WasmtimeModule {
    fn as_any(&self) -> &dyn Any {
        self
    }
}
