//! The wasmi engine: configuration, compilation and store creation.

use crate::error::{from_compile, ENGINE};
use crate::exports::ordered_exports;
use crate::imports::wasmi_order;
use crate::store::WasmiStore;
use crate::sync::Mutex;
use alloc::sync::Arc;
use core::any::Any;
use wasmux_core::prelude::*;
use wasmux_core::{
    CompiledModule, Engine, EngineCaps, EngineInfo, Error, ExportType, Store, StoreConfig,
};

/// wasmi's own default value stack size, used when the store sets no limit.
const DEFAULT_STACK_BYTES: usize = 1_000_000;

/// wasmi's default initial value stack size; the initial size must not exceed the maximum.
const DEFAULT_MIN_STACK_BYTES: usize = 1_000;

/// Bytes of value stack assumed per call frame when deriving the recursion depth limit. Small
/// enough that the value stack, which measures what frames really use, is normally the limit
/// that trips, and large enough that frames using no stack still cannot recurse without bound.
const BYTES_PER_FRAME: usize = 32;

pub struct WasmiEngine {
    info: EngineInfo,
    /// One wasmi engine per stack limit in use. wasmi sets stack limits per engine, not per
    /// store, and a module can only be instantiated in stores of the engine that compiled it.
    engines: Mutex<Vec<(Option<usize>, wasmi::Engine)>>,
}

impl WasmiEngine {
    pub fn new() -> Self {
        WasmiEngine {
            info: EngineInfo {
                name: ENGINE.into(),
                engine: ENGINE.into(),
                version: "2.0.0".into(),
                kind: "interpreter (Rust)".into(),
                caps: EngineCaps {
                    native_fuel: true,
                    native_interrupt: false,
                    simd: true,
                    reference_types: true,
                    bulk_memory: true,
                    multi_value: true,
                    multi_memory: true,
                    tail_call: true,
                    memory64: true,
                    threads: false,
                    exceptions: false,
                    extended_const: true,
                    needs_lowering: false,
                    cross_instance_linking: true,
                    // Not shown to accept no more than wasmux does; and an interpreter's
                    // preparation is cheap next to the check, which it then mostly repeats.
                    validates: false,
                    backtraces: false,
                    host_trap_backtraces: false,
                },
            },
            engines: Mutex::new(Vec::new()),
        }
    }

    /// The wasmi engine for stores with this stack limit.
    fn engine_for(&self, max_stack_bytes: Option<usize>) -> wasmi::Engine {
        let mut engines = self.engines.lock();
        if let Some((_, engine)) = engines.iter().find(|(k, _)| *k == max_stack_bytes) {
            return engine.clone();
        }
        let engine = wasmi::Engine::new(&config(max_stack_bytes));
        engines.push((max_stack_bytes, engine.clone()));
        engine
    }
}

impl Default for WasmiEngine {
    fn default() -> Self {
        Self::new()
    }
}

fn config(max_stack_bytes: Option<usize>) -> wasmi::Config {
    let mut config = wasmi::Config::default();
    config
        .wasm_mutable_global(true)
        .wasm_sign_extension(true)
        .wasm_saturating_float_to_int(true)
        .wasm_multi_value(true)
        .wasm_multi_memory(true)
        .wasm_bulk_memory(true)
        .wasm_reference_types(true)
        .wasm_tail_call(true)
        .wasm_extended_const(true)
        .wasm_custom_page_sizes(true)
        .wasm_memory64(true)
        .wasm_wide_arithmetic(true)
        .wasm_simd(true)
        .wasm_relaxed_simd(true)
        .floats(true)
        // wasmux meters fuel by rewriting modules, so that counts agree across engines.
        .consume_fuel(false);
    let bytes = max_stack_bytes.unwrap_or(DEFAULT_STACK_BYTES);
    if bytes < DEFAULT_MIN_STACK_BYTES {
        config.set_min_stack_height(bytes);
    }
    config
        .set_max_stack_height(bytes)
        .set_max_recursion_depth((bytes / BYTES_PER_FRAME).max(1));
    config
}

impl Engine for WasmiEngine {
    fn info(&self) -> &EngineInfo {
        &self.info
    }

    fn compile(&self, wasm: &[u8]) -> Result<Arc<dyn CompiledModule>, Error> {
        let engine = self.engine_for(None);
        let module = wasmi::Module::new(&engine, wasm).map_err(from_compile)?;
        let import_order = wasmi_order(wasm)?;
        if import_order.len() != module.imports().len() {
            return Err(Error::engine(
                ENGINE,
                "the module's import section does not match wasmi's imports",
            ));
        }
        Ok(Arc::new(WasmiModule {
            exports: ordered_exports(&module, wasm).into(),
            import_order: import_order.into(),
            wasm: wasm.into(),
            modules: Mutex::new(vec![module]),
        }))
    }

    fn new_store(&self, config: &StoreConfig) -> Result<Box<dyn Store>, Error> {
        Ok(Box::new(WasmiStore::new(
            self.engine_for(config.max_stack_bytes),
        )))
    }
}

/// A module prepared by wasmi, with its bytes kept so that stores whose stack limits need
/// another wasmi engine can prepare it again for theirs.
pub struct WasmiModule {
    /// In declaration order, shared by every instance of the module.
    pub exports: Arc<[ExportType]>,
    /// For wasmi's i-th import, its position in the module's import order.
    pub import_order: Arc<[usize]>,
    wasm: Box<[u8]>,
    modules: Mutex<Vec<wasmi::Module>>,
}

impl WasmiModule {
    /// The module as prepared for `engine`, preparing it on first use.
    pub fn for_engine(&self, engine: &wasmi::Engine) -> Result<wasmi::Module, Error> {
        let mut modules = self.modules.lock();
        if let Some(m) = modules
            .iter()
            .find(|m| wasmi::Engine::same(m.engine(), engine))
        {
            return Ok(m.clone());
        }
        let module = wasmi::Module::new(engine, &self.wasm[..]).map_err(from_compile)?;
        modules.push(module.clone());
        Ok(module)
    }
}

impl CompiledModule for WasmiModule {
    fn as_any(&self) -> &dyn Any {
        self
    }
}
