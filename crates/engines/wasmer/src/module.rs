//! A module compiled by one wasmer variant.

use std::any::Any;
use wasmux_core::CompiledModule;

pub struct WasmerModule {
    /// The variant that compiled it: a Singlepass module must not run in an LLVM store, whose
    /// engine holds different code and signatures.
    pub engine_name: String,
    pub module: wasmer::Module,
}

impl CompiledModule for WasmerModule {
    fn as_any(&self) -> &dyn Any {
        self
    }
}
