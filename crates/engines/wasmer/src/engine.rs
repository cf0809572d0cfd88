//! The two engine variants: what they can do and how they compile.

use crate::module::WasmerModule;
use crate::store::WasmerStore;
use crate::tunables::StackTunables;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, OnceLock};
use wasmer::sys::{EngineBuilder, Features, NativeEngineExt};
use wasmer::{CompileError, Module};
use wasmux_core::{
    Artifact, ArtifactKey, CompiledModule, Engine, EngineCaps, EngineInfo, Error, Store,
    StoreConfig,
};

use crate::artifact::VERSION;

pub struct WasmerEngine {
    info: EngineInfo,
    engine: wasmer::Engine,
    /// Singlepass cannot import functions with several results (see `singlepass.rs`).
    single_result_imports: bool,
    /// The proposals it compiles, for the artifact key (wasmer does not expose them).
    features: String,
    /// Built on first use, from the engine's settings.
    artifact_key: OnceLock<Option<ArtifactKey>>,
}

impl WasmerEngine {
    /// Singlepass: one pass over the code, no optimisation.
    pub fn singlepass() -> Self {
        let mut features = Features::new();
        // Singlepass has no SIMD code generator: with SIMD enabled, wasmer's validator accepts
        // v128 and the compiler then fails, or panics on a v128 parameter. Rejecting it at
        // validation gives one clear error instead.
        features.simd(false).relaxed_simd(false);
        let engine = EngineBuilder::new(wasmer::sys::Singlepass::new())
            .set_features(Some(features.clone()))
            .engine();
        WasmerEngine {
            info: EngineInfo {
                name: "wasmer".into(),
                engine: "wasmer".into(),
                version: VERSION.into(),
                kind: "baseline JIT (Singlepass)".into(),
                caps: EngineCaps {
                    simd: false,
                    tail_call: false,
                    exceptions: false,
                    ..common_caps()
                },
            },
            engine: engine.into(),
            single_result_imports: true,
            features: format!("{features:?}"),
            artifact_key: OnceLock::new(),
        }
    }

    /// LLVM: optimising, much slower to compile.
    #[cfg(feature = "llvm")]
    pub fn llvm() -> Self {
        // The compiler's own default feature set: everything wasmer implements for LLVM.
        let engine = EngineBuilder::new(wasmer::sys::LLVM::new()).engine();
        WasmerEngine {
            info: EngineInfo {
                name: "wasmer:llvm".into(),
                engine: "wasmer".into(),
                version: VERSION.into(),
                kind: "optimizing JIT (LLVM 22)".into(),
                caps: EngineCaps {
                    simd: true,
                    tail_call: true,
                    exceptions: true,
                    host_trap_backtraces: true,
                    ..common_caps()
                },
            },
            engine: engine.into(),
            single_result_imports: false,
            // LLVM's default set, which the wasmer version (also in the key) decides.
            features: "llvm defaults".into(),
            artifact_key: OnceLock::new(),
        }
    }

    fn name(&self) -> &str {
        &self.info.name
    }
}

/// What both compilers support (wasmer's default feature set, `wasmer_types::Features::new`).
fn common_caps() -> EngineCaps {
    EngineCaps {
        // wasmer's metering and interruption are not used: wasmux instruments the module.
        native_fuel: false,
        native_interrupt: false,
        reference_types: true,
        bulk_memory: true,
        multi_value: true,
        multi_memory: true,
        // Off in wasmer's default features; neither code generator is complete for it.
        memory64: false,
        threads: true,
        extended_const: true,
        needs_lowering: false,
        cross_instance_linking: true,
        // Not shown to accept no more than wasmux does: wasmer's feature flags are not
        // wasmparser's, and the LLVM variant keeps its compiler's own defaults.
        validates: false,
        backtraces: true,
        ..EngineCaps::default()
    }
}

impl Engine for WasmerEngine {
    fn info(&self) -> &EngineInfo {
        &self.info
    }

    fn compile(&self, wasm: &[u8]) -> Result<Arc<dyn CompiledModule>, Error> {
        if self.single_result_imports {
            if let Some(import) = crate::singlepass::multi_result_import(wasm) {
                return Err(Error::Unsupported {
                    engine: self.name().to_string(),
                    what: format!("importing a function with more than one result ({import})"),
                });
            }
        }
        if let Some(element) = crate::tables::unsupported_table(wasm) {
            return Err(Error::Unsupported {
                engine: self.name().to_string(),
                what: format!("tables of {element} (wasmer makes tables of funcref and externref)"),
            });
        }
        // A compiler bug must not take the host down with it.
        let compiled =
            catch_unwind(AssertUnwindSafe(|| Module::from_binary(&self.engine, wasm)))
                .map_err(|_| Error::engine(self.name(), "the compiler panicked on this module"))?;
        let module = compiled.map_err(|e| compile_error(self.name(), e))?;
        Ok(Arc::new(WasmerModule {
            engine_name: self.info.name.clone(),
            module,
        }))
    }

    fn new_store(&self, config: &StoreConfig) -> Result<Box<dyn Store>, Error> {
        let engine = match config.max_stack_bytes {
            // wasmer reads the guest stack size from the store's engine tunables; a clone of
            // the engine shares its compiler and code but not its tunables. wasmer reuses any
            // cached stack at least this large, so the size is a floor: it reliably raises the
            // 1 MiB default, but a smaller limit may not be applied.
            Some(bytes) => {
                let mut engine = self.engine.clone();
                engine.set_tunables(StackTunables::new(bytes));
                engine
            }
            None => self.engine.clone(),
        };
        Ok(Box::new(WasmerStore::new(self.info.name.clone(), engine)))
    }

    fn artifact_key(&self) -> Option<ArtifactKey> {
        self.artifact_key
            .get_or_init(|| crate::artifact::key(self.name(), &self.engine, &self.features))
            .clone()
    }

    fn serialize(&self, module: &dyn CompiledModule) -> Result<Option<Vec<u8>>, Error> {
        crate::artifact::serialize(self.name(), module).map(Some)
    }

    fn deserialize(&self, artifact: &[u8]) -> Result<Arc<dyn CompiledModule>, Error> {
        crate::artifact::deserialize(self.name(), &self.engine, artifact)
    }

    fn precompile_for(&self, _wasm: &[u8], target: &str) -> Result<Artifact, Error> {
        Err(Error::Unsupported {
            engine: self.name().to_string(),
            what: format!(
                "compiling for another machine ({target}): wasmux builds wasmer for this host only; use wasmtime"
            ),
        })
    }
}

/// The module was validated by wasmux with every feature on, so a validation failure here
/// means the compiler lacks a feature the module uses.
fn compile_error(engine: &str, e: CompileError) -> Error {
    let unsupported = |what: String| Error::Unsupported {
        engine: engine.to_string(),
        what,
    };
    match e {
        CompileError::Validate(msg) => unsupported(msg),
        CompileError::UnsupportedFeature(f) => unsupported(f),
        CompileError::Wasm(wasmer::WasmError::Unsupported(f)) => unsupported(f),
        CompileError::Codegen(msg) if msg.contains("not yet implemented") => unsupported(msg),
        // LLVM's backend refuses some valid SIMD code that mixes NaN-canonicalized values
        // ("Can't produce bitwise or of two different states..."), found by fuzzing.
        CompileError::Codegen(msg) if msg.contains("nan canonicalization") => unsupported(msg),
        CompileError::UnsupportedTarget(t) => unsupported(format!("the target {t}")),
        other => Error::engine(engine, other),
    }
}
