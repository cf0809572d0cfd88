//! The dead-function pass on modules wasm-smith generates from fixed seeds, with every
//! proposal that names functions in its own way (reference types, function references, GC,
//! tail calls, exceptions): the pass must accept each, its output must validate, and the
//! module must compute the same on wasmi, call for call.

use arbitrary::Unstructured;
use std::time::Duration;
use wasm_smith::{Config, Module as Smith};
use wasmux::{ExportKind, Module, Runtime, UnknownImports, Val, ValType};
use wasmux_devtools::build::passes::{drop_unreachable, validate};

const SEEDS: u64 = 600;

fn config(seed: u64) -> Config {
    Config {
        // Many functions and few exports, so that some are dead.
        max_funcs: 30,
        min_exports: 2,
        max_exports: 4,
        min_funcs: 5,
        max_types: 12,
        max_instructions: 60,
        max_element_segments: 3,
        max_elements: 6,
        max_table_elements: 20,
        max_memory32_bytes: 65536,
        max_memory64_bytes: 65536,
        memory64_enabled: false,
        // Half the modules import functions, which shift every defined index.
        max_imports: if seed.is_multiple_of(2) { 4 } else { 0 },
        canonicalize_nans: true,
        reference_types_enabled: true,
        // wasmi runs neither GC nor exceptions: one module in three uses them, and is only
        // checked to rewrite validly.
        gc_enabled: seed.is_multiple_of(3),
        exceptions_enabled: seed.is_multiple_of(3),
        tail_call_enabled: true,
        bulk_memory_enabled: true,
        multi_value_enabled: true,
        extended_const_enabled: true,
        threads_enabled: false,
        shared_everything_threads_enabled: false,
        custom_descriptors_enabled: false,
        ..Config::default()
    }
}

/// The module for `seed`; `None` for the few inputs from which wasm-smith cannot meet the
/// configuration's minimums.
fn module(seed: u64) -> Option<Vec<u8>> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let input: Vec<u8> = (0..4096)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect();
    Smith::new(config(seed), &mut Unstructured::new(&input))
        .ok()
        .map(|m| m.to_bytes())
}

fn arg(ty: ValType) -> Val {
    match ty {
        ValType::I32 => Val::I32(1),
        ValType::I64 => Val::I64(1),
        ValType::F32 => Val::F32(1f32.to_bits()),
        ValType::F64 => Val::F64(1f64.to_bits()),
        ValType::V128 => Val::V128(1),
        ValType::FuncRef => Val::FuncRef(None),
        ValType::ExternRef => Val::ExternRef(None),
        ValType::AnyRef => Val::AnyRef(None),
    }
}

/// Each exported function called once on wasmi, in name order: results and error kinds
/// (messages name function indices, which the pass changes).
fn outcomes(wasm: &[u8]) -> Vec<String> {
    let runtime = Runtime::builder()
        .engine("wasmi")
        .fuel(100_000)
        .timeout(Duration::from_secs(2))
        .max_memory(1 << 20)
        // Imported functions return zeros, the same before and after the pass.
        .unknown_imports(UnknownImports::Default)
        .build()
        .unwrap();
    let module = Module::from_bytes("generated", wasm).unwrap();
    let mut instance = match runtime.instantiate(&module) {
        Ok(instance) => instance,
        Err(e) => return vec![format!("instantiate: {:?}", e.kind())],
    };
    let mut funcs: Vec<_> = instance
        .exports()
        .into_iter()
        .filter(|e| e.kind == ExportKind::Func)
        .filter_map(|e| Some((e.name, e.func?)))
        .collect();
    funcs.sort_by(|a, b| a.0.cmp(&b.0));
    let mut out = Vec::new();
    for (name, ty) in funcs {
        let args: Vec<Val> = ty.params.iter().map(|t| arg(*t)).collect();
        let _ = instance.set_fuel(100_000);
        let result = match instance.call(&name, &args) {
            // References are compared by kind only: their identities differ between runs.
            Ok(vals) => format!(
                "{:?}",
                vals.iter()
                    .map(|v| match v {
                        Val::FuncRef(r) => format!("funcref {}", r.is_some()),
                        Val::ExternRef(r) => format!("externref {}", r.is_some()),
                        other => format!("{other:?}"),
                    })
                    .collect::<Vec<_>>()
            ),
            Err(e) => format!("error: {:?}", e.kind()),
        };
        out.push(format!("{name}: {result}"));
    }
    out
}

#[test]
fn generated_modules_stay_valid_and_compute_the_same() {
    let (mut generated, mut removed, mut ran) = (0u64, 0usize, 0u64);
    for seed in 0..SEEDS {
        let Some(input) = module(seed) else {
            continue;
        };
        generated += 1;
        let out = drop_unreachable(&input).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
        validate(&out.wasm).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
        removed += out.removed;
        let before = outcomes(&input);
        if before
            .first()
            .is_some_and(|b| !b.starts_with("instantiate"))
        {
            ran += 1;
        }
        assert_eq!(before, outcomes(&out.wasm), "seed {seed}");
    }
    // The seeds must exercise the pass: dead functions found, and modules that run.
    assert!(generated > SEEDS / 2, "only {generated} modules generated");
    assert!(
        removed as u64 > generated,
        "only {removed} functions removed in {generated} modules"
    );
    // GC and exception modules (a third), non-function imports and large memories sit out.
    assert!(ran > generated / 8, "only {ran} of {generated} modules ran");
}
