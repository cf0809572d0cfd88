//! Binaryen linked in (the `wasm-opt` crate, which builds it from source), for machines
//! without a `wasm-opt` on PATH. Behind the `wasm-opt` feature, which is not declared yet (see
//! this crate's Cargo.toml): this file has not been compiled.

use super::wasm_opt::{scratch_files, Outcome};
use std::path::Path;
use wasm_opt::{Feature, OptimizationOptions};

pub(crate) fn optimize(wasm: &[u8], keep_names: bool, scratch: &Path) -> Outcome {
    let (input, output) = scratch_files(scratch);
    let result = (|| -> Result<Vec<u8>, String> {
        std::fs::write(&input, wasm).map_err(|e| e.to_string())?;
        let mut opts = OptimizationOptions::new_optimize_for_size();
        opts.debug_info(keep_names);
        // As super::wasm_opt::FEATURES: what rustc's wasm32 targets use by default.
        for feature in [
            Feature::BulkMemory,
            Feature::SignExt,
            Feature::MutableGlobals,
            Feature::TruncSat,
            Feature::ReferenceTypes,
            Feature::Multivalue,
        ] {
            opts.enable_feature(feature);
        }
        opts.run(&input, &output).map_err(|e| e.to_string())?;
        std::fs::read(&output).map_err(|e| e.to_string())
    })();
    let _ = std::fs::remove_file(&input);
    let _ = std::fs::remove_file(&output);
    match result {
        Ok(wasm) => Outcome::Optimized {
            wasm,
            note: "Binaryen 116 (linked in), -Os".into(),
        },
        Err(why) => Outcome::Skipped(format!("Binaryen (linked in) failed: {why}")),
    }
}
