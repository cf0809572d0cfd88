//! Imports between instances of one store, and of host-created externs.

mod common;

use common::*;
use wasmux_core::{Error, GlobalType, ImportValue, MemoryType, TableType, Trap, Val, ValType};

const PROVIDER: &str = r#"
(module
  (func $inc (export "inc") (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
  (memory (export "mem") 1 4)
  (global (export "counter") (mut i32) (i32.const 10))
  (table (export "tab") 2 funcref)
  (elem (i32.const 0) $inc)
  (func (export "bump") (global.set 0 (i32.add (global.get 0) (i32.const 1))))
  (func (export "peek") (param i32) (result i32) (i32.load (local.get 0)))
)
"#;

const CONSUMER: &str = r#"
(module
  (import "p" "inc" (func $inc (param i32) (result i32)))
  (import "p" "mem" (memory 1))
  (import "p" "counter" (global $c (mut i32)))
  (import "p" "tab" (table 2 funcref))
  (type $t (func (param i32) (result i32)))
  (func (export "via_func") (param i32) (result i32) (call $inc (local.get 0)))
  (func (export "via_table") (param i32) (result i32)
    (call_indirect (type $t) (local.get 0) (i32.const 0)))
  (func (export "poke") (param i32 i32) (i32.store (local.get 0) (local.get 1)))
  (func (export "counter") (result i32) (global.get $c))
  (func (export "set_counter") (param i32) (global.set $c (local.get 0)))
)
"#;

#[test]
fn instances_share_func_memory_global_table() {
    let engine = engine();
    let mut s = store(&*engine);
    let provider = s.instantiate(&*compile(&*engine, PROVIDER), &[]).unwrap();
    let imports: Vec<_> = ["inc", "mem", "counter", "tab"]
        .into_iter()
        .map(|name| {
            let handle = s.export(provider, name).expect(name);
            import("p", name, ImportValue::Extern(handle))
        })
        .collect();
    let consumer = s
        .instantiate(&*compile(&*engine, CONSUMER), &imports)
        .unwrap();
    let s = &mut *s;
    assert_eq!(call(s, consumer, "via_func", &[Val::I32(1)]), [Val::I32(2)]);
    assert_eq!(
        call(s, consumer, "via_table", &[Val::I32(5)]),
        [Val::I32(6)]
    );
    call(s, consumer, "poke", &[Val::I32(8), Val::I32(1234)]);
    assert_eq!(call(s, provider, "peek", &[Val::I32(8)]), [Val::I32(1234)]);
    call(s, provider, "bump", &[]);
    assert_eq!(call(s, consumer, "counter", &[]), [Val::I32(11)]);
    call(s, consumer, "set_counter", &[Val::I32(99)]);
    assert_eq!(s.global_get(provider, "counter"), Some(Val::I32(99)));
    assert_eq!(s.export(provider, "nope"), None);
}

#[test]
fn host_created_externs_are_importable() {
    let engine = engine();
    let mut s = store(&*engine);
    let global = s
        .new_global(
            GlobalType {
                content: ValType::I64,
                mutable: false,
            },
            Val::I64(666),
        )
        .unwrap();
    let memory = s
        .new_memory(MemoryType {
            minimum: 1,
            maximum: Some(2),
        })
        .unwrap();
    let funcs = s
        .new_table(TableType {
            element: ValType::FuncRef,
            minimum: 10,
            maximum: Some(20),
        })
        .unwrap();
    let externs = s
        .new_table(TableType {
            element: ValType::ExternRef,
            minimum: 1,
            maximum: None,
        })
        .unwrap();
    let wat = r#"(module
      (import "spectest" "global_i64" (global i64))
      (import "spectest" "memory" (memory 1 2))
      (import "spectest" "table" (table 10 20 funcref))
      (import "spectest" "externs" (table 1 externref))
      (func (export "g") (result i64) (global.get 0))
      (func (export "pages") (result i32) (memory.size))
      (func (export "grow") (result i32) (memory.grow (i32.const 5)))
      (func (export "tsize") (result i32) (table.size 0))
      (func (export "put") (param externref) (table.set 1 (i32.const 0) (local.get 0)))
      (func (export "get") (result externref) (table.get 1 (i32.const 0))))"#;
    let imports = [
        import("spectest", "global_i64", ImportValue::Extern(global)),
        import("spectest", "memory", ImportValue::Extern(memory)),
        import("spectest", "table", ImportValue::Extern(funcs)),
        import("spectest", "externs", ImportValue::Extern(externs)),
    ];
    let id = s.instantiate(&*compile(&*engine, wat), &imports).unwrap();
    let s = &mut *s;
    assert_eq!(call(s, id, "g", &[]), [Val::I64(666)]);
    assert_eq!(call(s, id, "pages", &[]), [Val::I32(1)]);
    // Growing past the host memory's maximum fails as the spec says: -1, no trap.
    assert_eq!(call(s, id, "grow", &[]), [Val::I32(-1)]);
    assert_eq!(call(s, id, "tsize", &[]), [Val::I32(10)]);
    assert_eq!(call(s, id, "get", &[]), [Val::ExternRef(None)]);
    call(s, id, "put", &[Val::ExternRef(Some(5))]);
    assert_eq!(call(s, id, "get", &[]), [Val::ExternRef(Some(5))]);
}

#[test]
fn mismatched_import_is_incompatible() {
    let engine = engine();
    let mut s = store(&*engine);
    let global = s
        .new_global(
            GlobalType {
                content: ValType::I32,
                mutable: false,
            },
            Val::I32(1),
        )
        .unwrap();
    let module = compile(&*engine, "(module (import \"m\" \"g\" (global i64)))");
    let err = s
        .instantiate(&*module, &[import("m", "g", ImportValue::Extern(global))])
        .unwrap_err();
    assert!(
        matches!(&err, Error::IncompatibleImport { module, name, .. } if module == "m" && name == "g"),
        "{err}"
    );
}

/// wasmi leaves a failed instance unfinished, so a function of it left in a table would abort
/// the process when it reads its globals (see `src/rollback.rs`); the adapter undoes the
/// table writes instead, unlike the spec, which keeps them.
/// An instance importing `tab` whose `call1` calls slot 1 of it.
fn probe(
    s: &mut dyn wasmux_core::Store,
    engine: &dyn wasmux_core::Engine,
    tab: wasmux_core::ExternHandle,
) -> wasmux_core::InstanceId {
    let probe = r#"(module
      (import "p" "tab" (table 2 funcref))
      (type $t (func (result i32)))
      (func (export "call1") (result i32) (call_indirect (type $t) (i32.const 1))))"#;
    s.instantiate(
        &*compile(engine, probe),
        &[import("p", "tab", ImportValue::Extern(tab))],
    )
    .unwrap()
}

#[test]
fn failed_instantiation_undoes_its_table_writes() {
    let engine = engine();
    let mut s = store(&*engine);
    let provider = s.instantiate(&*compile(&*engine, PROVIDER), &[]).unwrap();
    let tab = s.export(provider, "tab").unwrap();
    let wat = r#"(module
      (import "p" "tab" (table 2 funcref))
      (global $g i32 (i32.const 7))
      (func $f (result i32) (global.get $g))
      (elem (i32.const 1) $f)
      (elem (i32.const 5) $f))"#;
    let err = s
        .instantiate(
            &*compile(&*engine, wat),
            &[import("p", "tab", ImportValue::Extern(tab))],
        )
        .unwrap_err();
    assert!(matches!(err, Error::Instantiation(_)), "{err}");
    let id = probe(&mut *s, &*engine, tab);
    let err = s.call(id, "call1", &[]).unwrap_err();
    assert_eq!(err.as_trap(), Some(Trap::TableOutOfBounds), "{err}");
}

/// A trapping start function runs after the instance is finished: its writes stay.
#[test]
fn trapping_start_keeps_its_table_writes() {
    let engine = engine();
    let mut s = store(&*engine);
    let provider = s.instantiate(&*compile(&*engine, PROVIDER), &[]).unwrap();
    let tab = s.export(provider, "tab").unwrap();
    let wat = r#"(module
      (import "p" "tab" (table 2 funcref))
      (global $g i32 (i32.const 7))
      (func $f (result i32) (global.get $g))
      (func $start (unreachable))
      (elem (i32.const 1) $f)
      (start $start))"#;
    let err = s
        .instantiate(
            &*compile(&*engine, wat),
            &[import("p", "tab", ImportValue::Extern(tab))],
        )
        .unwrap_err();
    assert_eq!(err.as_trap(), Some(Trap::Unreachable), "{err}");
    let id = probe(&mut *s, &*engine, tab);
    assert_eq!(call(&mut *s, id, "call1", &[]), [Val::I32(7)]);
}
