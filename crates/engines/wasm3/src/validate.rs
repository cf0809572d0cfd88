//! Refuses, before wasm3 sees them, modules that wasm3 0.4 cannot run.
//!
//! wasm3 0.4 knows WebAssembly 1.0 plus sign extension and saturating float-to-int conversion.
//! It does not reject the rest cleanly: it indexes its opcode tables with unchecked opcodes and
//! misreads multi-value types. So every module is validated here against exactly that feature
//! set; anything outside it is `Unsupported`, and anything invalid anyway is `InvalidModule`.

use wasmparser::{Validator, WasmFeatures};
use wasmux_core::Error;

/// What wasm3 0.4 implements.
const WASM3_FEATURES: WasmFeatures = WasmFeatures::WASM1
    .union(WasmFeatures::SIGN_EXTENSION)
    .union(WasmFeatures::SATURATING_FLOAT_TO_INT);

pub(crate) fn check(wasm: &[u8]) -> Result<(), Error> {
    let Err(refused) = Validator::new_with_features(WASM3_FEATURES).validate_all(wasm) else {
        return Ok(());
    };
    // Tell a module wasm3 lacks a feature for from a broken one.
    Err(
        match Validator::new_with_features(WasmFeatures::all()).validate_all(wasm) {
            Err(e) => Error::InvalidModule {
                file: "<module>".to_string(),
                offset: e.offset(),
                message: e.message().to_string(),
            },
            Ok(_) => crate::module::unsupported(format!(
                "this module: {} (at byte offset {:#x})",
                refused.message(),
                refused.offset()
            )),
        },
    )
}
