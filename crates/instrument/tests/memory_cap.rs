mod common;

use common::{assert_valid, instantiate, wat};
use wasmi::Val;
use wasmux_instrument::{instrument, InstrumentError, Options};

fn cap(pages: u64) -> Options {
    Options {
        max_memory_pages: Some(pages),
        ..Options::default()
    }
}

const GROW: &str = r#"
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "size") (result i32) (memory.size))"#;

#[test]
fn grow_past_the_cap_returns_minus_one() {
    let src = format!("(module (memory 1) {GROW})");
    let wasm = instrument(&wat(&src), &cap(4)).unwrap();
    assert_valid(&wasm);
    let mut vm = instantiate(&wasm).unwrap();
    assert_eq!(vm.call_i32("grow", &[Val::I32(4)]).unwrap(), -1);
    assert_eq!(vm.call_i32("grow", &[Val::I32(3)]).unwrap(), 1);
    assert_eq!(vm.call_i32("grow", &[Val::I32(1)]).unwrap(), -1);
    assert_eq!(vm.call_i32("size", &[]).unwrap(), 4);
}

#[test]
fn a_smaller_declared_maximum_is_kept() {
    let src = format!("(module (memory 1 2) {GROW})");
    let wasm = instrument(&wat(&src), &cap(4)).unwrap();
    let mut vm = instantiate(&wasm).unwrap();
    assert_eq!(vm.call_i32("grow", &[Val::I32(2)]).unwrap(), -1);
    assert_eq!(vm.call_i32("grow", &[Val::I32(1)]).unwrap(), 1);
}

#[test]
fn initial_size_over_the_cap_is_refused() {
    let err = instrument(&wat("(module (memory 5))"), &cap(4)).unwrap_err();
    assert_eq!(
        err,
        InstrumentError::MemoryTooLarge {
            memory: 0,
            initial_pages: 5,
            max_pages: 4
        }
    );
    // Memory indices count imported memories first.
    let src = r#"(module (import "env" "m" (memory 100)) (memory 1) (memory 9))"#;
    let err = instrument(&wat(src), &cap(4)).unwrap_err();
    assert!(matches!(
        err,
        InstrumentError::MemoryTooLarge { memory: 2, .. }
    ));
}

#[test]
fn imported_memories_are_left_alone() {
    let src = r#"(module (import "env" "m" (memory 10)) (memory 1))"#;
    let wasm = instrument(&wat(src), &cap(4)).unwrap();
    assert_valid(&wasm);
    let mut limits = Vec::new();
    for payload in wasmparser::Parser::new(0).parse_all(&wasm) {
        match payload.unwrap() {
            wasmparser::Payload::ImportSection(s) => {
                for import in s.into_imports() {
                    if let wasmparser::TypeRef::Memory(m) = import.unwrap().ty {
                        limits.push((m.initial, m.maximum));
                    }
                }
            }
            wasmparser::Payload::MemorySection(s) => {
                for m in s {
                    let m = m.unwrap();
                    limits.push((m.initial, m.maximum));
                }
            }
            _ => {}
        }
    }
    assert_eq!(limits, vec![(10, None), (1, Some(4))]);
}
