//! The build passes on hand-written modules: what dead-function removal removes, what it must
//! keep (every kind of root), and that the rewritten module computes what the original did on
//! every engine.

use wasmparser::{Name, Parser, Payload};
use wasmux::{Module, Runtime, Val};
use wasmux_devtools::build::passes::{drop_unreachable, strip, validate, StripOptions};

fn wasm(text: &str) -> Vec<u8> {
    wat::parse_str(text).unwrap()
}

/// The function names of the name section, by index.
fn function_names(wasm: &[u8]) -> Vec<(u32, String)> {
    let mut out = Vec::new();
    for payload in Parser::new(0).parse_all(wasm) {
        if let Payload::CustomSection(section) = payload.unwrap() {
            if let wasmparser::KnownCustom::Name(names) = section.as_known() {
                for name in names {
                    if let Name::Function(map) = name.unwrap() {
                        for naming in map {
                            let naming = naming.unwrap();
                            out.push((naming.index, naming.name.to_string()));
                        }
                    }
                }
            }
        }
    }
    out
}

fn names_only(wasm: &[u8]) -> Vec<String> {
    function_names(wasm).into_iter().map(|(_, n)| n).collect()
}

/// Calls each of `calls` on `module` with one engine; the results, or the error's kind (its
/// text names byte offsets, which the rewrite moves).
fn outcomes(engine: &str, module: &[u8], calls: &[(&str, &[Val])]) -> Vec<String> {
    let runtime = Runtime::builder().engine(engine).build().unwrap();
    let module = Module::from_bytes("test", module).unwrap();
    let mut instance = match runtime.instantiate(&module) {
        Ok(instance) => instance,
        Err(e) => return vec![format!("instantiate: {:?}", e.kind())],
    };
    calls
        .iter()
        .map(|(func, args)| match instance.call(func, args) {
            Ok(vals) => format!("{vals:?}"),
            Err(e) => format!("error: {:?}", e.kind()),
        })
        .collect()
}

/// Every kind of root next to dead code: a call chain from an element segment, an indirect
/// call through the table, the start function, `ref.func` in a global, a declared segment, a
/// passive segment, and a dead pair that calls each other.
const ROOTS: &str = r#"
(module
  (type $t (func (result i32)))
  (table $tab 8 funcref)
  (global $g funcref (ref.func $via_global))
  (global $counter (mut i32) (i32.const 0))
  (elem (i32.const 0) $via_elem $via_elem2)
  (elem declare func $declared)
  (elem $passive funcref (ref.func $via_passive))
  (func $dead1 (result i32) (call $dead2))
  (func $dead2 (result i32) (i32.const 222))
  (func $on_start (global.set $counter (i32.const 5)))
  (start $on_start)
  (func $via_elem (result i32) (call $chain1))
  (func $dead_cycle_a (call $dead_cycle_b))
  (func $chain1 (result i32) (i32.add (call $chain2) (i32.const 1)))
  (func $chain2 (result i32) (i32.const 41))
  (func $dead_cycle_b (call $dead_cycle_a))
  (func $via_elem2 (result i32) (i32.const 7))
  (func $via_global (result i32) (i32.const 9))
  (func $declared (result i32) (i32.const 13))
  (func $via_passive (result i32) (i32.const 17))
  (func $indirect (export "indirect") (param i32) (result i32)
    (call_indirect (type $t) (local.get 0)))
  (func $counter (export "counter") (result i32) (global.get $counter))
  (func $global (export "global") (result i32)
    (table.set (i32.const 2) (global.get $g))
    (call_indirect (type $t) (i32.const 2)))
  (func $ref (export "ref") (result i32)
    (table.set (i32.const 4) (ref.func $declared))
    (call_indirect (type $t) (i32.const 4)))
  (func $passive (export "passive") (result i32)
    (table.init $passive (i32.const 3) (i32.const 0) (i32.const 1))
    (call_indirect (type $t) (i32.const 3)))
)"#;

#[test]
fn dead_functions_go_and_every_root_stays() {
    let input = wasm(ROOTS);
    let out = drop_unreachable(&input).unwrap();
    validate(&out.wasm).unwrap();
    assert_eq!((out.removed, out.kept), (4, 13));
    let before = names_only(&input);
    let after = function_names(&out.wasm);
    let dead = ["dead1", "dead2", "dead_cycle_a", "dead_cycle_b"];
    let expected: Vec<String> = before
        .into_iter()
        .filter(|n| !dead.contains(&n.as_str()))
        .collect();
    assert_eq!(
        after.iter().map(|(_, n)| n.clone()).collect::<Vec<_>>(),
        expected
    );
    // Renumbered densely, in the original order.
    assert_eq!(
        after.iter().map(|(i, _)| *i).collect::<Vec<_>>(),
        (0..13).collect::<Vec<u32>>()
    );
    assert!(out.wasm.len() < input.len());
}

#[test]
fn the_rewritten_module_computes_the_same_on_every_engine() {
    let input = wasm(ROOTS);
    let output = drop_unreachable(&input).unwrap().wasm;
    let calls: &[(&str, &[Val])] = &[
        ("indirect", &[Val::I32(0)]),
        ("indirect", &[Val::I32(1)]),
        ("indirect", &[Val::I32(7)]),
        ("counter", &[]),
        ("global", &[]),
        ("ref", &[]),
        ("passive", &[]),
    ];
    let mut ran = 0;
    for engine in wasmux::engine_names() {
        let before = outcomes(&engine, &input, calls);
        let after = outcomes(&engine, &output, calls);
        assert_eq!(before, after, "{engine}");
        if before[0] == "[I32(42)]" {
            ran += 1;
            assert_eq!(
                before[1..].iter().map(String::as_str).collect::<Vec<_>>(),
                [
                    "[I32(7)]",
                    before[2].as_str(), // a null entry traps; the text is the engine's
                    "[I32(5)]",
                    "[I32(9)]",
                    "[I32(13)]",
                    "[I32(17)]"
                ],
                "{engine}"
            );
            assert!(before[2].starts_with("error"), "{engine}: {}", before[2]);
        }
    }
    // wasmtime, wasmer and wasmi run reference types; wasm3 may refuse the module, and then
    // must refuse the rewritten one the same way.
    assert!(ran >= 3, "only {ran} engines ran the module");
}

/// A module of one root of one kind, calling or naming `$kept`, and one dead function.
fn one_root(root: &str) -> String {
    format!(
        r#"(module
  (type $t (func (result i32)))
  (func $dead (result i32) (i32.const 1))
  (func $kept (result i32) (i32.const 2))
  {root})"#
    )
}

#[test]
fn each_kind_of_root_keeps_its_function() {
    let roots = [
        ("export", r#"(export "k" (func $kept))"#),
        ("start", r#"(func $s (drop (call $kept))) (start $s)"#),
        (
            "active elem",
            r#"(table 1 funcref) (elem (i32.const 0) $kept)"#,
        ),
        (
            "active elem of expressions",
            r#"(table 1 funcref) (elem (i32.const 0) funcref (ref.func $kept))"#,
        ),
        ("passive elem", r#"(elem funcref (ref.func $kept))"#),
        ("declared elem", r#"(elem declare func $kept)"#),
        ("global", r#"(global funcref (ref.func $kept))"#),
        ("table initializer", r#"(table 1 funcref (ref.func $kept))"#),
        (
            "ref.func in live code",
            r#"(elem declare func $kept) (func (export "f") (result funcref) (ref.func $kept))"#,
        ),
        (
            "tail call in live code",
            r#"(func (export "f") (result i32) (return_call $kept))"#,
        ),
        (
            "call chain",
            r#"(func $a (result i32) (call $b)) (func $b (result i32) (call $kept))
               (export "a" (func $a))"#,
        ),
    ];
    for (kind, root) in roots {
        let input = wasm(&one_root(root));
        let out = drop_unreachable(&input).unwrap_or_else(|e| panic!("{kind}: {e}"));
        validate(&out.wasm).unwrap_or_else(|e| panic!("{kind}: {e}"));
        assert_eq!(out.removed, 1, "{kind}");
        let names = names_only(&out.wasm);
        assert!(names.contains(&"kept".to_string()), "{kind}: {names:?}");
        assert!(!names.contains(&"dead".to_string()), "{kind}: {names:?}");
    }
}

#[test]
fn imports_are_kept_and_defined_functions_renumbered_after_them() {
    let input = wasm(
        r#"(module
  (import "env" "a" (func $a (result i32)))
  (import "env" "b" (func $b (result i32)))
  (func $dead (result i32) (call $a))
  (func $f (export "f") (result i32) (i32.add (call $a) (call $g)))
  (func $g (result i32) (call $b)))"#,
    );
    let out = drop_unreachable(&input).unwrap();
    validate(&out.wasm).unwrap();
    assert_eq!((out.removed, out.kept), (1, 2));
    assert_eq!(
        function_names(&out.wasm),
        [(0, "a"), (1, "b"), (2, "f"), (3, "g")].map(|(i, n)| (i, n.to_string()))
    );
    // The export and the call now name the renumbered functions.
    let text = wasmprinter::print_bytes(&out.wasm).unwrap();
    assert!(text.contains(r#"(export "f" (func $f))"#), "{text}");
    assert!(text.contains("call $g"), "{text}");
}

#[test]
fn local_names_follow_their_function() {
    let input = wasm(
        r#"(module
  (func $dead (param $x i32))
  (func $f (export "f") (param $y i32) (local $z i32)))"#,
    );
    let out = drop_unreachable(&input).unwrap();
    let text = wasmprinter::print_bytes(&out.wasm).unwrap();
    assert!(text.contains("(func $f (;0;) (type"), "{text}");
    assert!(
        text.contains("(param $y i32)") && text.contains("(local $z i32)"),
        "{text}"
    );
    assert!(!text.contains("$x") && !text.contains("$dead"), "{text}");
}

#[test]
fn a_module_without_dead_code_keeps_every_function() {
    for example in ["fib", "sum", "mix", "reactor", "spin"] {
        let path = format!(
            "{}/../../examples/{example}.wat",
            env!("CARGO_MANIFEST_DIR")
        );
        let input = wat::parse_file(&path).unwrap();
        let out = drop_unreachable(&input).unwrap();
        validate(&out.wasm).unwrap();
        assert_eq!(out.removed, 0, "{example}");
        assert!(out.wasm.len() <= input.len(), "{example}");
    }
}

#[test]
fn fib_still_computes_fib_after_every_pass() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/fib.wat");
    let input = wat::parse_file(path).unwrap();
    let stripped = strip(
        &input,
        &StripOptions {
            custom: true,
            names: true,
            ..Default::default()
        },
    )
    .unwrap();
    let out = drop_unreachable(&stripped.wasm).unwrap().wasm;
    for engine in wasmux::engine_names() {
        assert_eq!(
            outcomes(&engine, &out, &[("fib", &[Val::I32(20)])]),
            ["[I32(6765)]"],
            "{engine}"
        );
    }
}

#[test]
fn modules_the_pass_must_not_rewrite_are_refused_with_the_reason() {
    let mut with_dwarf = wasm(r#"(module (func (export "f")))"#);
    let mut extra = wasm_encoder::Module::new();
    extra.section(&wasm_encoder::CustomSection {
        name: ".debug_line".into(),
        data: b"lines"[..].into(),
    });
    with_dwarf.extend_from_slice(&extra.finish()[8..]);
    let err = drop_unreachable(&with_dwarf).unwrap_err().to_string();
    assert!(
        err.contains(".debug_line") && err.contains("--strip-debug"),
        "{err}"
    );
    // After stripping DWARF the pass runs.
    let stripped = strip(
        &with_dwarf,
        &StripOptions {
            debug: true,
            ..Default::default()
        },
    )
    .unwrap();
    drop_unreachable(&stripped.wasm).unwrap();

    let err = drop_unreachable(b"\0asm\x01\0\0\0\x01")
        .unwrap_err()
        .to_string();
    assert!(err.contains("not a valid WebAssembly module"), "{err}");
    let err = drop_unreachable(&wasm("(component)"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("component"), "{err}");

    // Branch hints name functions and code offsets: dropped, and said so.
    let mut hinted = wasm(r#"(module (func (export "f")))"#);
    let mut extra = wasm_encoder::Module::new();
    extra.section(&wasm_encoder::CustomSection {
        name: "metadata.code.branch_hint".into(),
        data: b"\0"[..].into(),
    });
    hinted.extend_from_slice(&extra.finish()[8..]);
    let out = drop_unreachable(&hinted).unwrap();
    assert_eq!(out.dropped_sections, ["metadata.code.branch_hint"]);
    assert!(wasmux_devtools::build::passes::custom_section_names(&out.wasm).is_empty());

    let mut object = wasm(r#"(module (func (export "f")))"#);
    let mut extra = wasm_encoder::Module::new();
    extra.section(&wasm_encoder::CustomSection {
        name: "linking".into(),
        data: b"\x02"[..].into(),
    });
    object.extend_from_slice(&extra.finish()[8..]);
    let err = drop_unreachable(&object).unwrap_err().to_string();
    assert!(err.contains("relocatable"), "{err}");
}

#[path = "passes/generated.rs"]
mod generated;
