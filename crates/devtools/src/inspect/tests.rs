use super::*;
use crate::InspectErrorKind;

/// The module with imports and exports of every kind, shared with the CLI's tests.
const KINDS: &str = include_str!("../../../../tests/inspect/kinds.wat");

fn report(wat: &str) -> Report {
    inspect(wat.as_bytes()).unwrap_or_else(|e| panic!("{wat}: {e}"))
}

fn features(wat: &str) -> Vec<&'static str> {
    report(wat).features.iter().map(|f| f.name).collect()
}

#[test]
fn features_are_those_the_module_uses_not_those_allowed() {
    let cases: &[(&str, &[&str])] = &[
        ("(module)", &[]),
        (
            "(module (memory 1) (func (param i32) (result i32) (i32.add (i32.load (local.get 0)) (i32.const 1))))",
            &[],
        ),
        (
            "(module (func (result i32 i32) i32.const 1 i32.const 2))",
            &["multi-value"],
        ),
        (
            "(module (func (param i32) (result i32) (block (param i32) (result i32))))",
            &["multi-value"],
        ),
        ("(module (memory i64 1))", &["memory64"]),
        ("(module (func $f return_call $f))", &["tail-call"]),
        (
            "(module (global i32 (i32.add (i32.const 1) (i32.const 2))))",
            &["extended-const"],
        ),
        (
            "(module (memory 1 1 shared) (func (drop (i32.atomic.load (i32.const 0)))))",
            &["threads"],
        ),
        (
            "(module (func (param v128) (result v128) (f32x4.relaxed_madd (local.get 0) (local.get 0) (local.get 0))))",
            &["relaxed-simd", "simd"],
        ),
        ("(module (type (struct (field i32))))", &["gc"]),
        (
            "(module (type $t (func)) (func (param (ref $t))))",
            &["function-references", "reference-types"],
        ),
        (
            "(module (tag $e) (func (block $l (try_table (catch_all $l)))))",
            &["exceptions"],
        ),
        (
            "(module (memory 1) (memory $m 1) (func (drop (i32.load $m (i32.const 0)))))",
            &["multi-memory"],
        ),
        (
            "(module (type $v (func)) (table 1 funcref) (table $t 1 funcref) (func (call_indirect $t (type $v) (i32.const 0))))",
            &["reference-types"],
        ),
        (r#"(module (memory 1) (data "x"))"#, &["bulk-memory"]),
        (
            "(module (func (param i64 i64 i64 i64) (result i64 i64) (i64.add128 (local.get 0) (local.get 1) (local.get 2) (local.get 3))))",
            &["multi-value", "wide-arithmetic"],
        ),
        (
            "(module (global (export \"g\") (mut i32) (i32.const 0)))",
            &["mutable-global"],
        ),
    ];
    for (wat, want) in cases {
        assert_eq!(features(wat), *want, "{wat}");
    }
}

#[test]
fn a_feature_names_its_first_use() {
    let r = report("(module (func) (func (param i32) (result i32) (i32.extend8_s (local.get 0))))");
    let f = &r.features[0];
    assert_eq!(f.name, "sign-extension");
    assert_eq!(f.what, "I32Extend8S in function 1");
    let binary = wat::parse_str(
        "(module (func) (func (param i32) (result i32) (i32.extend8_s (local.get 0))))",
    )
    .unwrap();
    assert_eq!(
        binary[f.offset], 0xc0,
        "the offset is the instruction's opcode"
    );
}

#[test]
fn imports_and_exports_have_their_full_types() {
    let r = report(KINDS);
    let imports: Vec<String> = r
        .imports
        .iter()
        .map(|i| format!("{}::{} {} {}: {}", i.module, i.name, i.kind, i.index, i.ty))
        .collect();
    assert_eq!(
        imports,
        [
            "env::log func 0: (i32)",
            "env::mem memory 0: 1..2 pages, shared",
            "env::tab table 0: funcref 1..10",
            "env::counter global 0: mut i32",
            "env::oops tag 0: (i32)",
        ]
    );
    let exports: Vec<String> = r
        .exports
        .iter()
        .map(|e| {
            format!(
                "{} {} {}: {}",
                e.name,
                e.kind,
                e.index,
                e.ty.as_ref().unwrap()
            )
        })
        .collect();
    assert_eq!(
        exports,
        [
            "memory memory 1: 1.. pages",
            "refs table 1: externref 2..",
            "limit global 1: i64",
            "fail tag 1: (i64)",
            "counter global 0: mut i32",
            "log func 0: (i32)",
            "swap func 1: (i32, i64) -> (i32, i64)",
            "fill func 2: (i32, i32)",
        ]
    );
    assert_eq!(r.memories.len(), 1);
    assert_eq!(r.tables[0].ty.element_type, "externref");
    let globals: Vec<_> = r
        .globals
        .iter()
        .map(|g| (g.index, g.init.as_deref()))
        .collect();
    assert_eq!(
        globals,
        [
            (1, Some("i64.const 42")),
            (2, Some("v128.const i8x16 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0"))
        ]
    );
}

#[test]
fn custom_sections_are_decoded_and_named() {
    let r = report(
        r#"(module $m
            (func $f (param $x i32))
            (@producers (language "Rust" "1.95.0") (processed-by "rustc" "1.95.0 (abc 2026-04-14)") (processed-by "wasm-opt" ""))
            (@custom ".debug_info" "x")
            (@custom ".debug_line" "y")
            (@custom "other" "z"))"#,
    );
    let producers = r.custom.producers.as_ref().unwrap();
    assert_eq!(producers["language"][0].name, "Rust");
    assert_eq!(producers["language"][0].version, "1.95.0");
    let tools: Vec<_> = producers["processed-by"]
        .iter()
        .map(|p| p.name.as_str())
        .collect();
    assert_eq!(tools, ["rustc", "wasm-opt"]);
    assert_eq!(r.custom.dwarf, [".debug_info", ".debug_line"]);
    let names = r.custom.names.as_ref().unwrap();
    assert_eq!(
        (names.module.as_deref(), names.functions, names.locals),
        (Some("m"), 1, 1)
    );
    let custom: Vec<_> = r
        .sections
        .iter()
        .filter_map(|s| s.custom_name.as_deref())
        .collect();
    assert!(
        custom.contains(&"other") && custom.contains(&"producers"),
        "{custom:?}"
    );
    assert!(r.warnings.is_empty());
}

#[test]
fn target_features_are_what_the_compiler_could_use() {
    let r = report(r#"(module (@custom "target_features" "\02+\0bbulk-memory-\07simd128"))"#);
    assert_eq!(
        r.custom.target_features,
        Some(vec!["+bulk-memory".to_string(), "-simd128".to_string()])
    );
    // Allowed is not used.
    assert!(r.features.is_empty());
    let r = report(r#"(module (@custom "target_features" "\01?\04simd"))"#);
    assert_eq!(r.custom.target_features, None);
    assert!(
        r.warnings[0].contains("unknown feature prefix 0x3f"),
        "{:?}",
        r.warnings
    );
}

#[test]
fn a_custom_section_that_does_not_decode_is_a_warning() {
    let r = report(r#"(module (@custom "producers" "\05\ff"))"#);
    assert_eq!(r.custom.producers, None);
    assert_eq!(r.warnings.len(), 1, "{:?}", r.warnings);
    assert!(r.warnings[0].starts_with("the `producers` section does not decode at byte offset"));
}

#[test]
fn sections_are_listed_in_order_with_their_contents_range() {
    let binary = wat::parse_str(KINDS).unwrap();
    let r = inspect(&binary).unwrap();
    assert_eq!(r.size, binary.len());
    let names: Vec<_> = r.sections.iter().map(|s| s.name).collect();
    assert_eq!(
        names,
        [
            "type", "import", "function", "table", "memory", "tag", "global", "export", "code",
            "custom", "custom"
        ]
    );
    // Before each section's contents: its id, then its size in LEB128; after them the next id.
    let leb_len = |n: usize| if n < 128 { 1 } else { 2 };
    for pair in r.sections.windows(2) {
        let next = &pair[1];
        assert_eq!(
            pair[0].offset + pair[0].size,
            next.offset - 1 - leb_len(next.size)
        );
        assert_eq!(
            binary[next.offset - 1 - leb_len(next.size)],
            next.id,
            "{next:?}"
        );
    }
    let last = r.sections.last().unwrap();
    assert_eq!(last.offset + last.size, binary.len());
    assert_eq!(last.custom_name.as_deref(), Some("name"));
}

#[test]
fn the_largest_functions_come_first_with_their_share_of_the_code() {
    let r = report(KINDS);
    let f = &r.functions;
    assert_eq!((f.imported, f.defined), (1, 6));
    assert_eq!(f.largest.len(), 6);
    assert_eq!(f.largest[0].name.as_deref(), Some("fill"));
    assert!(f.largest.windows(2).all(|w| w[0].size >= w[1].size));
    let total: usize = f.largest.iter().map(|s| s.size).sum();
    // The rest of the code section is the count and each body's size.
    assert!(
        total < f.code_size && total + 7 >= f.code_size,
        "{total} of {}",
        f.code_size
    );
    let share = f.largest[0].size as f64 * 100.0 / f.code_size as f64;
    assert!((f.largest[0].share - share).abs() < 0.01);
}

#[test]
fn rust_symbols_are_demangled_without_their_hash() {
    let r = report(
        r#"(module (func $_ZN4core5slice4sort6stable9quicksort9quicksort17h21e1a13ffd6a077dE) (func $plain))"#,
    );
    let names: Vec<_> = r
        .functions
        .largest
        .iter()
        .map(|f| (f.name.as_deref().unwrap(), f.demangled.as_deref()))
        .collect();
    assert_eq!(
        names,
        [
            (
                "_ZN4core5slice4sort6stable9quicksort9quicksort17h21e1a13ffd6a077dE",
                Some("core::slice::sort::stable::quicksort::quicksort")
            ),
            ("plain", None)
        ]
    );
}

#[test]
fn malformed_modules_fail_with_the_byte_offset() {
    let e = inspect(b"\0asm\x01\0\0\0\x05\x03\x01").unwrap_err();
    assert!(
        matches!(e.kind(), InspectErrorKind::Malformed { .. }),
        "{e}"
    );
    assert!(e.offset().is_some(), "{e}");
    let e = inspect(b"garbage!").unwrap_err();
    assert_eq!(e.offset(), Some(0));
    assert!(e.to_string().contains("not a WebAssembly module"), "{e}");
    let e = inspect(b"").unwrap_err();
    assert_eq!(e.offset(), Some(0), "{e}");
    let e = inspect(b"(module (func").unwrap_err();
    assert!(
        matches!(e.kind(), InspectErrorKind::InvalidText { .. }),
        "{e}"
    );
    let e = inspect(b"(component)").unwrap_err();
    assert_eq!(e.kind(), &InspectErrorKind::Component);
}

#[test]
fn every_truncation_of_a_module_is_an_error_with_an_offset_never_a_panic() {
    let binary = wat::parse_str(KINDS).unwrap();
    for len in 0..binary.len() {
        // A cut just before a custom section leaves a whole, shorter module.
        if let Err(e) = inspect(&binary[..len]) {
            let offset = e.offset().unwrap_or_else(|| panic!("{len}: {e}"));
            assert!(offset <= len, "{len}: {e}");
        }
    }
    assert!(inspect(&binary[..binary.len() - 1]).is_err());
}

#[test]
fn an_invalid_but_well_formed_module_is_still_reported() {
    // Export of a function that does not exist, and a call to one: invalid, yet decodable.
    let r = report(r#"(module (export "ghost" (func 7)) (func call 9))"#);
    assert_eq!(r.exports[0].ty, None);
    assert_eq!(r.functions.defined, 1);
}
