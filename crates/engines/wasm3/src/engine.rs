//! The `wasm3` engine: what it can do, compiling modules, creating stores.

use crate::module::{ModuleInfo, Wasm3Module};
use crate::store::Wasm3Store;
use crate::{dry_run, stack, validate};
use std::sync::Arc;
use wasm3::wasm3_sys as ffi;
use wasmux_core::{CompiledModule, Engine, EngineCaps, EngineInfo, Error, Store, StoreConfig};

pub struct Wasm3Engine {
    info: EngineInfo,
}

impl Wasm3Engine {
    pub fn new() -> Self {
        Wasm3Engine {
            info: EngineInfo {
                name: "wasm3".to_string(),
                engine: "wasm3".to_string(),
                version: format!(
                    "{}.{}.{}",
                    ffi::M3_VERSION_MAJOR,
                    ffi::M3_VERSION_MINOR,
                    ffi::M3_VERSION_REV
                ),
                kind: "interpreter (C)".to_string(),
                // The bundled wasm3 0.4 implements WebAssembly 1.0 plus sign extension and
                // saturating conversions; everything newer is lowered by wasmux or refused.
                caps: EngineCaps {
                    native_fuel: false,
                    native_interrupt: false,
                    simd: false,
                    reference_types: false,
                    bulk_memory: false,
                    multi_value: false,
                    multi_memory: false,
                    tail_call: false,
                    memory64: false,
                    threads: false,
                    exceptions: false,
                    extended_const: false,
                    needs_lowering: true,
                    cross_instance_linking: false,
                    validates: false,
                    backtraces: false,
                    host_trap_backtraces: false,
                },
            },
        }
    }
}

impl Default for Wasm3Engine {
    fn default() -> Self {
        Self::new()
    }
}

impl Engine for Wasm3Engine {
    fn info(&self) -> &EngineInfo {
        &self.info
    }

    fn compile(&self, wasm: &[u8]) -> Result<Arc<dyn CompiledModule>, Error> {
        validate::check(wasm)?;
        let info = ModuleInfo::parse(wasm.into())?;
        stack::on_native_stack(|| dry_run::dry_run(&info.wasm))??;
        Ok(Arc::new(Wasm3Module {
            info: Arc::new(info),
        }))
    }

    fn new_store(&self, config: &StoreConfig) -> Result<Box<dyn Store>, Error> {
        Ok(Box::new(Wasm3Store::new(config)?))
    }
}
