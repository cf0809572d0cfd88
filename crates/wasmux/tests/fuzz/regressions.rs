//! Differences the fuzzer found, each as a small module run on every engine: they must agree.

use crate::outcome::{self, Outcome};
use crate::report;
use wasmux::Module;

fn agree(wat: &str) -> Vec<(String, Outcome)> {
    let module = Module::from_bytes("regression.wat", wat.as_bytes()).unwrap();
    let runs: Vec<(String, Outcome)> = wasmux::engine_names()
        .into_iter()
        .map(|engine| {
            let outcome = outcome::run(&engine, &module);
            (engine, outcome)
        })
        .collect();
    if let Some(difference) = report::compare(&runs) {
        panic!("{wat}\n{difference}");
    }
    runs
}

/// wasm3 reported the size of a memory the module does not export; the other engines cannot
/// reach such a memory and report none.
#[test]
fn an_unexported_memory_has_no_size_on_any_engine() {
    agree(r#"(module (memory 2) (func (export "f") (result i32) (memory.size)))"#);
}

/// wasmer took exported memory 0 before the rule of the other engines: `memory`, else the
/// first memory in export order.
#[test]
fn the_first_exported_memory_is_the_same_on_every_engine() {
    agree(
        r#"(module (memory $a 2) (memory $b 0)
             (export "b" (memory $b)) (export "a" (memory $a))
             (func (export "f")))"#,
    );
}

/// wasmer reported a segment out of bounds as a trap, the others as an instantiation failure;
/// wasm3 wrapped its bounds check and wrote in front of the memory, or grew the table.
#[test]
fn segments_out_of_bounds_fail_instantiation_alike() {
    for wat in [
        r#"(module (memory 1) (data (i32.const 65530) "0123456789"))"#,
        r#"(module (memory 1) (data (i32.const -16) "0123456789abcdef"))"#,
        r#"(module (table 1 funcref) (func $f) (elem (i32.const 1) $f))"#,
    ] {
        for (engine, outcome) in agree(wat) {
            assert!(
                matches!(outcome, Outcome::Failed(_)),
                "{engine}: {wat}: {outcome:?}"
            );
        }
    }
}

/// wasmer's LLVM backend compiled a table of `exnref` and then failed to instantiate it with
/// "Insufficient resources": it is a feature wasmer lacks, and says so.
#[test]
fn a_table_wasmer_cannot_make_is_unsupported() {
    for (engine, outcome) in agree(r#"(module (table 1 exnref) (func (export "f")))"#) {
        if engine.starts_with("wasmer") {
            assert!(
                matches!(outcome, Outcome::Unsupported(_)),
                "{engine}: {outcome:?}"
            );
        }
    }
}

/// wasmer's LLVM backend fails to compile this valid module ("Can't produce bitwise or of two
/// different states if there are two different kinds of nan canonicalization"): a limit of
/// the engine, reported as `Unsupported` rather than an engine error.
#[test]
fn a_module_llvm_cannot_compile_is_unsupported_there() {
    if !wasmux::engine_names().iter().any(|e| e == "wasmer:llvm") {
        return;
    }
    let bytes = crate::generate::module(12_060_778_513_673);
    let module = Module::from_bytes("seed-12060778513673.wasm", &bytes).unwrap();
    let outcome = outcome::run("wasmer:llvm", &module);
    assert!(matches!(outcome, Outcome::Unsupported(_)), "{outcome:?}");
}
