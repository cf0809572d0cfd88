//! What only the wasmi adapter promises. Behaviour every engine shares is checked on every
//! variant by the conformance suite (`crates/wasmux/tests/conformance`).

use std::sync::Arc;
use wasmux_core::{
    CompiledModule, Engine, Error, ExternHandle, Import, ImportValue, InstanceId, Store,
    StoreConfig, Trap,
};

fn engine() -> Arc<dyn Engine> {
    let mut engines = wasmux_engine_wasmi::engines();
    assert_eq!(engines.len(), 1);
    engines.remove(0)
}

fn compile(engine: &dyn Engine, wat: &str) -> Arc<dyn CompiledModule> {
    let wasm = wat::parse_str(wat).expect("test module parses");
    engine.compile(&wasm).expect("test module compiles")
}

fn table_import(tab: ExternHandle) -> [Import; 1] {
    [Import {
        module: "p".into(),
        name: "tab".into(),
        value: ImportValue::Extern(tab),
    }]
}

#[test]
fn engine_info() {
    let engine = engine();
    let info = engine.info();
    assert_eq!(info.name, "wasmi");
    assert_eq!(info.engine, "wasmi");
    assert_eq!(info.version, "2.0.0");
    assert_eq!(info.kind, "interpreter (Rust)");
    assert!(info.caps.native_fuel);
    assert!(info.caps.simd && info.caps.tail_call && info.caps.memory64);
    assert!(!info.caps.threads && !info.caps.exceptions);
}

/// Proposals wasmi has that no capability flag names.
#[test]
fn unflagged_proposals_compile() {
    let engine = engine();
    let modules = [
        // relaxed simd
        "(module (func (param v128 v128) (result v128) (i8x16.relaxed_swizzle (local.get 0) (local.get 1))))",
        // wide arithmetic
        "(module (func (param i64 i64 i64 i64) (result i64 i64) (i64.add128 (local.get 0) (local.get 1) (local.get 2) (local.get 3))))",
        // custom page sizes
        "(module (memory 1 (pagesize 1)))",
    ];
    for wat in modules {
        compile(&*engine, wat);
    }
}

/// An instance importing `tab` whose `call1` calls slot 1 of it.
fn probe(s: &mut dyn Store, engine: &dyn Engine, tab: ExternHandle) -> InstanceId {
    let probe = r#"(module
      (import "p" "tab" (table 2 funcref))
      (type $t (func (result i32)))
      (func (export "call1") (result i32) (call_indirect (type $t) (i32.const 1))))"#;
    s.instantiate(&*compile(engine, probe), &table_import(tab))
        .unwrap()
}

/// wasmi leaves a failed instance unfinished, so a function of it left in a table would abort
/// the process when it reads its globals (see `src/rollback.rs`); the adapter undoes the
/// table writes instead, unlike the spec, which keeps them.
#[test]
fn failed_instantiation_undoes_its_table_writes() {
    let engine = engine();
    let mut s = engine.new_store(&StoreConfig::default()).unwrap();
    let provider = r#"(module (table (export "tab") 2 funcref))"#;
    let provider = s.instantiate(&*compile(&*engine, provider), &[]).unwrap();
    let tab = s.export(provider, "tab").unwrap();
    let wat = r#"(module
      (import "p" "tab" (table 2 funcref))
      (global $g i32 (i32.const 7))
      (func $f (result i32) (global.get $g))
      (elem (i32.const 1) $f)
      (elem (i32.const 5) $f))"#;
    let err = s
        .instantiate(&*compile(&*engine, wat), &table_import(tab))
        .unwrap_err();
    assert!(matches!(err, Error::Instantiation(_)), "{err}");
    let id = probe(&mut *s, &*engine, tab);
    let err = s.call(id, "call1", &[]).unwrap_err();
    assert_eq!(err.as_trap(), Some(Trap::TableOutOfBounds), "{err}");
}
