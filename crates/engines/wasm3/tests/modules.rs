//! Module-level behaviour: imports that are missing, memory limits, modules wasm3 refuses.

mod common;

use common::*;
use wasmux_core::{Error, Val};

#[test]
fn unresolved_imports_are_named() {
    let module = compile(
        r#"(module
             (import "env" "a" (func))
             (import "env" "b" (func (param i32)))
             (import "env" "g" (global i32))
             (func (export "f")))"#,
    )
    .unwrap();
    match store().instantiate(&*module, &[]) {
        Err(Error::UnresolvedImports(names)) => {
            assert_eq!(names, ["env::a", "env::b", "env::g"]);
        }
        other => panic!("expected UnresolvedImports, got {:?}", other.map(|_| ())),
    }
}

#[test]
fn memory_grow_honours_the_declared_maximum() {
    let (mut s, id) = instance(
        r#"(module
             (memory 1 3) (export "memory" (memory 0))
             (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
             (func (export "size") (result i32) (memory.size))
             (func (export "poke") (param i32) (i32.store8 (local.get 0) (i32.const 9))))"#,
        &[],
    );
    let s = &mut *s;
    assert_eq!(call1(s, id, "grow", &[Val::I32(1)]), Val::I32(1));
    assert_eq!(call1(s, id, "grow", &[Val::I32(2)]), Val::I32(-1));
    assert_eq!(call1(s, id, "grow", &[Val::I32(1)]), Val::I32(2));
    assert_eq!(call1(s, id, "grow", &[Val::I32(1)]), Val::I32(-1));
    assert_eq!(call1(s, id, "grow", &[Val::I32(0)]), Val::I32(3));
    assert_eq!(call1(s, id, "size", &[]), Val::I32(3));
    assert_eq!(s.memory_size(id), Some(3 * 65536));
    s.call(id, "poke", &[Val::I32(3 * 65536 - 1)]).unwrap();
}

#[test]
fn a_declared_maximum_of_zero_pages_is_exact() {
    // wasm3 itself reads a maximum of 0 as "no maximum".
    let (mut s, id) = instance(
        r#"(module
             (memory 0 0) (export "memory" (memory 0))
             (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))"#,
        &[],
    );
    assert_eq!(call1(&mut *s, id, "grow", &[Val::I32(1)]), Val::I32(-1));
    assert_eq!(s.memory_size(id), Some(0));
}

#[test]
fn memory_without_maximum_grows() {
    let (mut s, id) = instance(
        r#"(module
             (memory 1) (export "memory" (memory 0))
             (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))"#,
        &[],
    );
    assert_eq!(call1(&mut *s, id, "grow", &[Val::I32(15)]), Val::I32(1));
    assert_eq!(s.memory_size(id), Some(16 * 65536));
}

fn unsupported(wat: &str) -> String {
    match compile(wat) {
        Err(Error::Unsupported { engine, what }) => {
            assert_eq!(engine, "wasm3");
            what
        }
        Err(other) => panic!("expected Unsupported, got {other}"),
        Ok(_) => panic!("expected Unsupported, the module compiled"),
    }
}

#[test]
fn post_mvp_modules_are_refused_cleanly() {
    let what =
        unsupported(r#"(module (func (export "f") (result i32 i32) (i32.const 1) (i32.const 2)))"#);
    assert!(what.contains("multi"), "{what}");
    let what = unsupported(
        r#"(module (memory 1) (func (export "f") (memory.fill (i32.const 0) (i32.const 0) (i32.const 1))))"#,
    );
    assert!(what.contains("bulk"), "{what}");
    unsupported(r#"(module (func (export "f") (param v128)))"#);
    unsupported(r#"(module (func (export "f") (param externref)))"#);
    unsupported(r#"(module (memory 1) (memory 1))"#);
}

#[test]
fn sign_extension_and_saturating_conversions_run() {
    let (mut s, id) = instance(
        r#"(module
             (func (export "ext") (param i32) (result i32) (i32.extend8_s (local.get 0)))
             (func (export "sat") (param f64) (result i32) (i32.trunc_sat_f64_s (local.get 0))))"#,
        &[],
    );
    assert_eq!(call1(&mut *s, id, "ext", &[Val::I32(0xff)]), Val::I32(-1));
    assert_eq!(
        call1(&mut *s, id, "sat", &[Val::f64(1e20)]),
        Val::I32(i32::MAX)
    );
}

#[test]
fn garbage_is_an_invalid_module() {
    let engine = engine();
    for bytes in [&b"\0asm\x01\0\0\0\x01\xff"[..], b"not wasm", b""] {
        match engine.compile(bytes) {
            Err(Error::InvalidModule { .. }) => {}
            other => panic!("expected InvalidModule, got {:?}", other.map(|_| ())),
        }
    }
}

#[test]
fn deeply_nested_blocks_are_refused_not_a_crash() {
    let depth = 20_000;
    let wat = format!(
        "(module (func (export \"f\") {} {}))",
        "(block ".repeat(depth),
        ")".repeat(depth)
    );
    let what = unsupported(&wat);
    assert!(what.contains("nested"), "{what}");
}

#[test]
fn nesting_up_to_the_limit_compiles_and_runs() {
    let depth = 5_000;
    let wat = format!(
        "(module (func (export \"f\") (result i32) {} (i32.const 3) {}))",
        "(block (result i32) ".repeat(depth),
        ")".repeat(depth)
    );
    let (mut s, id) = instance(&wat, &[]);
    assert_eq!(call1(&mut *s, id, "f", &[]), Val::I32(3));
}

#[test]
fn a_refused_instruction_is_named_with_its_byte_offset() {
    // wasm3 0.4.7 leaves `memory.size`'s result in a register it did not save first, then
    // finds no operation for the `i32.add` that follows (the facade's lowering avoids this by
    // putting `memory.size` in a block; the adapter alone compiles what it is given).
    let src = r#"(module
      (memory 1)
      (func (param i32) (result i32) (local.get 0))
      (func (export "g") (param i32) (result i32)
        local.get 0
        i32.const 1
        i32.add
        memory.size
        i32.add))"#;
    let wasm = wat::parse_str(src).unwrap();
    let mut adds = Vec::new();
    for payload in wasmparser::Parser::new(0).parse_all(&wasm) {
        if let wasmparser::Payload::CodeSectionEntry(body) = payload.unwrap() {
            let mut ops = body.get_operators_reader().unwrap();
            while !ops.eof() {
                let (op, at) = ops.read_with_offset().unwrap();
                if matches!(op, wasmparser::Operator::I32Add) {
                    adds.push(at);
                }
            }
        }
    }
    match compile(src) {
        Err(Error::RefusedCode {
            engine,
            func,
            offset,
            op,
            reason,
            ..
        }) => {
            assert_eq!(engine, "wasm3");
            assert_eq!(func, Some(1));
            assert_eq!(offset, Some(adds[1]), "the second i32.add");
            assert_eq!(op, "i32_add");
            assert!(reason.contains("no operation found"), "{reason}");
        }
        other => panic!("expected RefusedCode, got {:?}", other.map(|_| ())),
    }
}

/// wasm3 0.4 reads a data segment's offset as signed, so offsets from 0x80000000 up wrapped
/// its bounds check and wrote in front of the memory; an element segment past the table's end
/// grew the table. Both must fail instantiation instead.
#[test]
fn segments_out_of_bounds_fail_instantiation() {
    for (wat, what) in [
        (
            r#"(module (memory 1) (data (i32.const -16) "0123456789abcdef"))"#,
            "data segment 0",
        ),
        (
            r#"(module (memory 1) (data (i32.const -1) "0123456789abcdef"))"#,
            "data segment 0",
        ),
        (
            r#"(module (memory 1) (data (i32.const 65535) "ab"))"#,
            "data segment 0",
        ),
        (
            r#"(module (table 1 funcref) (func $f) (elem (i32.const 1) $f))"#,
            "element segment 0",
        ),
        (
            r#"(module (table 1 funcref) (func $f) (elem (i32.const 0x7fffffff) $f))"#,
            "element segment 0",
        ),
    ] {
        let module = compile(wat).unwrap();
        match store().instantiate(&*module, &[]) {
            Err(Error::Instantiation(message)) => {
                assert!(message.contains(what), "{wat}: {message}")
            }
            other => panic!(
                "{wat}: expected an instantiation failure, got {:?}",
                other.map(|_| ())
            ),
        }
    }
    // At the very end of the memory and of the table is still in bounds.
    let module = compile(
        r#"(module (memory 1) (data (i32.const 65534) "ab")
                   (table 2 funcref) (func $f) (elem (i32.const 1) $f))"#,
    )
    .unwrap();
    store().instantiate(&*module, &[]).unwrap();
}
