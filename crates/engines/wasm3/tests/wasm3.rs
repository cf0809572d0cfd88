//! What only the wasm3 adapter does: its native stack, its own argument checks, the modules it
//! refuses and how it names them, and its segment bounds checks. Behaviour every engine shares
//! is checked on every variant by the conformance suite (`crates/wasmux/tests/conformance`).

use std::sync::Arc;
use wasmux_core::{
    CompiledModule, Engine, Error, Import, InstanceId, Store, StoreConfig, Trap, Val,
};

fn engine() -> Arc<dyn Engine> {
    let mut engines = wasmux_engine_wasm3::engines();
    assert_eq!(engines.len(), 1);
    engines.pop().unwrap()
}

fn compile(wat: &str) -> Result<Arc<dyn CompiledModule>, Error> {
    engine().compile(&wat::parse_str(wat).expect("test module parses"))
}

fn store() -> Box<dyn Store> {
    engine().new_store(&StoreConfig::default()).unwrap()
}

/// A fresh store with one instance of `wat`, linked against `imports`.
fn instance(wat: &str, imports: &[Import]) -> (Box<dyn Store>, InstanceId) {
    let module = compile(wat).unwrap();
    let mut store = store();
    let id = store.instantiate(&*module, imports).unwrap();
    (store, id)
}

fn call1(store: &mut dyn Store, id: InstanceId, func: &str, args: &[Val]) -> Val {
    let results = store.call(id, func, args).unwrap();
    assert_eq!(results.len(), 1, "{func} returns one value");
    results[0]
}

#[test]
fn engine_info_is_honest() {
    let engine = engine();
    let info = engine.info();
    assert_eq!(info.name, "wasm3");
    assert_eq!(info.engine, "wasm3");
    assert_eq!(info.version, "0.4.7");
    assert_eq!(info.kind, "interpreter (C)");
    assert!(!info.caps.native_fuel && !info.caps.native_interrupt);
    assert!(info.caps.needs_lowering);
    assert!(!info.caps.multi_value && !info.caps.cross_instance_linking);
}

/// The adapter checks arguments itself (the other adapters rely on the facade for it).
#[test]
fn bad_arguments_are_errors() {
    let (mut s, id) = instance(
        r#"(module (func (export "add_i32") (param i32 i32) (result i32)
             (i32.add (local.get 0) (local.get 1))))"#,
        &[],
    );
    assert!(matches!(
        s.call(id, "add_i32", &[Val::I32(1)]),
        Err(Error::ArgumentCount { .. })
    ));
    assert!(matches!(
        s.call(id, "add_i32", &[Val::I32(1), Val::I64(2)]),
        Err(Error::ArgumentType { .. })
    ));
    assert!(matches!(
        s.call(id, "add_i32", &[Val::I32(1), Val::V128(2)]),
        Err(Error::Unsupported { .. })
    ));
}

const RECURSE: &str = r#"
(module
  (func $f (export "forever") (call $f))
  (func $depth (export "depth") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (i32.const 0))
      (else (i32.add (i32.const 1) (call $depth (i32.sub (local.get 0) (i32.const 1)))))))
)"#;

#[test]
fn the_native_stack_check_is_linked_in() {
    // wasm3 declares its per-call hook weak; the adapter's definition must be the one used,
    // or only the value-stack check would stand between a guest and the host's stack.
    let (mut s, id) = instance(RECURSE, &[]);
    wasmux_engine_wasm3::take_hook_seen();
    s.call(id, "depth", &[Val::I32(3)]).unwrap();
    assert!(wasmux_engine_wasm3::take_hook_seen());
}

#[test]
fn a_huge_value_stack_still_stops_at_the_native_limit() {
    // With 1 GiB of interpreter stack, the native stack runs out first: the per-call check
    // must catch it.
    let mut s = engine()
        .new_store(&StoreConfig {
            max_stack_bytes: Some(1 << 30),
        })
        .unwrap();
    let module = compile(RECURSE).unwrap();
    let id = s.instantiate(&*module, &[]).unwrap();
    let err = s.call(id, "forever", &[]).unwrap_err();
    assert_eq!(err.as_trap(), Some(Trap::StackOverflow), "{err}");
    assert_eq!(call1(&mut *s, id, "depth", &[Val::I32(100)]), Val::I32(100));
}

#[test]
fn recursion_works_from_threads_with_small_stacks() {
    // Calls run on the adapter's own guarded stack, not the calling thread's.
    let handles: Vec<_> = (0..2)
        .map(|_| {
            std::thread::Builder::new()
                .stack_size(256 << 10)
                .spawn(|| {
                    let (mut s, id) = instance(RECURSE, &[]);
                    let err = s.call(id, "forever", &[]).unwrap_err();
                    assert_eq!(err.as_trap(), Some(Trap::StackOverflow));
                    // Stores can move between threads.
                    s
                })
                .unwrap()
        })
        .collect();
    for h in handles {
        let mut s = h.join().unwrap();
        let exports = s.exports(InstanceId(0));
        assert!(!exports.is_empty());
        let err = s.call(InstanceId(0), "forever", &[]).unwrap_err();
        assert_eq!(err.as_trap(), Some(Trap::StackOverflow));
    }
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
fn post_mvp_modules_are_refused_by_feature() {
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
/// grew the table. The adapter checks them itself (`src/segments.rs`) and names the segment;
/// that every engine fails these instantiations is in the conformance suite.
#[test]
fn out_of_bounds_segments_are_named() {
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
}
