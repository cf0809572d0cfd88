//! Binaryen linked in (the `wasm-opt` crate, which builds it from source), for machines whose
//! `wasm-opt` on PATH is missing or older. Behind the `wasm-opt` feature.

use super::wasm_opt::{scratch_files, Outcome};
use std::path::Path;
use wasm_opt::{Feature, OptimizationOptions};

/// The Binaryen release the `wasm-opt` crate builds.
pub(crate) const VERSION: u32 = 116;

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
            note: format!("wasm-opt version {VERSION} (Binaryen linked in), -Os"),
        },
        Err(why) => Outcome::Skipped(format!(
            "wasm-opt version {VERSION} (Binaryen linked in) failed: {why}"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::{optimize, Outcome};

    /// The linked Binaryen itself, whatever is on PATH: a dead function goes, constant
    /// arithmetic is folded, and what comes out is smaller and valid.
    #[test]
    fn linked_binaryen_shrinks_a_module_and_its_output_validates() {
        let wasm = wat::parse_str(
            r#"(module $m
                 (func $dead (result i32) (i32.add (i32.const 1) (i32.const 2)))
                 (func $f (export "f") (result i32) (i32.add (i32.const 1) (i32.const 2))))"#,
        )
        .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let (out, note) = match optimize(&wasm, false, dir.path()) {
            Outcome::Optimized { wasm, note } => (wasm, note),
            Outcome::Skipped(why) => panic!("skipped: {why}"),
        };
        assert_eq!(note, "wasm-opt version 116 (Binaryen linked in), -Os");
        crate::build::passes::validate(&out).unwrap();
        assert!(out.len() < wasm.len(), "{} >= {}", out.len(), wasm.len());
        let text = wasmprinter::print_bytes(&out).unwrap();
        // One function defined (types and exports name `func` too).
        assert_eq!(text.matches("\n  (func ").count(), 1, "{text}");
        assert!(
            text.contains("i32.const 3") && !text.contains("i32.add"),
            "{text}"
        );
        assert!(text.contains("(export \"f\""), "{text}");
        // Its scratch files are gone.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    /// A module Binaryen refuses (tail calls are outside the proposals enabled) is an error
    /// the build reports, not an abort of the process that links Binaryen in.
    #[test]
    fn a_module_the_linked_binaryen_refuses_is_skipped_with_its_reason() {
        let wasm = wat::parse_str(
            r#"(module
                 (func $g (result i32) (i32.const 1))
                 (func (export "f") (result i32) (return_call $g)))"#,
        )
        .unwrap();
        let dir = tempfile::tempdir().unwrap();
        match optimize(&wasm, false, dir.path()) {
            Outcome::Optimized { note, .. } => panic!("tail calls were accepted: {note}"),
            Outcome::Skipped(why) => {
                assert!(
                    why.starts_with("wasm-opt version 116 (Binaryen linked in) failed"),
                    "{why}"
                )
            }
        }
    }
}
