//! Externs shared between instances, and externs the host creates.

mod common;

use common::*;
use wasmux_core::{
    ExternHandle, GlobalType, Import, ImportValue, MemoryType, TableType, Trap, Val, ValType,
};

fn ext(module: &str, name: &str, h: ExternHandle) -> Import {
    Import {
        module: module.into(),
        name: name.into(),
        value: ImportValue::Extern(h),
    }
}

const PROVIDER: &str = r#"
(module
  (func $forty_two (result i32) i32.const 42)
  (func (export "double") (param i32) (result i32) (i32.mul (local.get 0) (i32.const 2)))
  (memory (export "memory") 1)
  (global (export "counter") (mut i32) (i32.const 10))
  (table (export "table") 2 funcref)
  (elem (i32.const 0) $forty_two)
  (func (export "read") (param i32) (result i32) (i32.load (local.get 0)))
  (func (export "get_counter") (result i32) global.get 0)
  (func (export "call_slot") (param i32) (result i32) (call_indirect (result i32) (local.get 0)))
)"#;

const CONSUMER: &str = r#"
(module
  (import "p" "double" (func $double (param i32) (result i32)))
  (import "p" "memory" (memory 1))
  (import "p" "counter" (global $counter (mut i32)))
  (import "p" "table" (table 2 funcref))
  (func $seven (result i32) i32.const 7)
  (elem (i32.const 1) $seven)
  (func (export "run") (result i32)
    (i32.store (i32.const 8) (call $double (i32.const 21)))
    (global.set $counter (i32.add (global.get $counter) (i32.const 1)))
    (call_indirect (result i32) (i32.const 0)))
)"#;

#[test]
fn instances_share_functions_memories_globals_and_tables() {
    each_engine(|engine| {
        let mut store = store(engine);
        let p = instantiate(engine, store.as_mut(), PROVIDER, &[]);
        let imports: Vec<Import> = ["double", "memory", "counter", "table"]
            .iter()
            .map(|n| ext("p", n, store.export(p, n).unwrap()))
            .collect();
        assert_eq!(store.export(p, "memory"), store.export(p, "memory"));
        assert_eq!(store.export(p, "nope"), None);
        let c = instantiate(engine, store.as_mut(), CONSUMER, &imports);
        // The consumer's call_indirect reaches the provider's function through the shared table.
        assert_eq!(call(store.as_mut(), c, "run", &[]), [Val::I32(42)]);
        // The consumer's writes are the provider's memory, global and table.
        assert_eq!(
            call(store.as_mut(), p, "read", &[Val::I32(8)]),
            [Val::I32(42)]
        );
        assert_eq!(call(store.as_mut(), p, "get_counter", &[]), [Val::I32(11)]);
        assert_eq!(store.global_get(p, "counter"), Some(Val::I32(11)));
        assert_eq!(
            call(store.as_mut(), p, "call_slot", &[Val::I32(1)]),
            [Val::I32(7)]
        );
        assert_eq!(store.memory_size(c), None, "the consumer exports no memory");
    });
}

#[test]
fn host_created_externs_are_importable() {
    let wat = r#"(module
      (import "host" "g" (global $g (mut i64)))
      (import "host" "k" (global $k f32))
      (import "host" "mem" (memory 1 2))
      (import "host" "funcs" (table 3 funcref))
      (func $five (result i32) i32.const 5)
      (elem (i32.const 2) func $five)
      (func (export "bump") (result i64)
        (global.set $g (i64.add (global.get $g) (i64.const 1))) (global.get $g))
      (func (export "k") (result f32) global.get $k)
      (func (export "store") (param i32 i32) (i32.store (local.get 0) (local.get 1)))
      (func (export "load") (param i32) (result i32) (i32.load (local.get 0)))
      (func (export "grow") (result i32) (memory.grow (i32.const 1)))
      (func (export "slot") (param i32) (result i32) (call_indirect (result i32) (local.get 0)))
    )"#;
    each_engine(|engine| {
        let mut store = store(engine);
        let g = store
            .new_global(
                GlobalType {
                    content: ValType::I64,
                    mutable: true,
                },
                Val::I64(100),
            )
            .unwrap();
        let k = store
            .new_global(
                GlobalType {
                    content: ValType::F32,
                    mutable: false,
                },
                Val::f32(2.5),
            )
            .unwrap();
        let mem = store
            .new_memory(MemoryType {
                minimum: 1,
                maximum: Some(2),
            })
            .unwrap();
        let funcs = store
            .new_table(TableType {
                element: ValType::FuncRef,
                minimum: 3,
                maximum: None,
            })
            .unwrap();
        let imports = [
            ext("host", "g", g),
            ext("host", "k", k),
            ext("host", "mem", mem),
            ext("host", "funcs", funcs),
        ];
        let a = instantiate(engine, store.as_mut(), wat, &imports);
        let b = instantiate(engine, store.as_mut(), wat, &imports);
        assert_eq!(call(store.as_mut(), a, "bump", &[]), [Val::I64(101)]);
        assert_eq!(call(store.as_mut(), b, "bump", &[]), [Val::I64(102)]);
        assert_eq!(call(store.as_mut(), b, "k", &[]), [Val::f32(2.5)]);
        call(store.as_mut(), a, "store", &[Val::I32(100), Val::I32(-9)]);
        assert_eq!(
            call(store.as_mut(), b, "load", &[Val::I32(100)]),
            [Val::I32(-9)]
        );
        assert_eq!(call(store.as_mut(), a, "grow", &[]), [Val::I32(1)]);
        assert_eq!(
            call(store.as_mut(), b, "grow", &[]),
            [Val::I32(-1)],
            "maximum is 2 pages"
        );
        assert_eq!(
            call(store.as_mut(), b, "slot", &[Val::I32(2)]),
            [Val::I32(5)]
        );
        let err = store.call(b, "slot", &[Val::I32(0)]).unwrap_err();
        assert_eq!(err.as_trap(), Some(Trap::TableOutOfBounds), "{err}");
    });
}

#[test]
fn host_created_externref_table_and_global() {
    let wat = r#"(module
      (import "h" "refs" (table 1 externref))
      (import "h" "r" (global $r externref))
      (func (export "get") (result externref) global.get $r)
      (func (export "set_ref") (param externref) (table.set (i32.const 0) (local.get 0)))
      (func (export "get_ref") (result externref) (table.get (i32.const 0))))"#;
    each_engine(|engine| {
        let mut store = store(engine);
        let table = store.new_table(TableType {
            element: ValType::ExternRef,
            minimum: 1,
            maximum: Some(1),
        });
        let global = store.new_global(
            GlobalType {
                content: ValType::ExternRef,
                mutable: false,
            },
            Val::ExternRef(Some(9)),
        );
        if NO_EXTERNREF.contains(&engine.info().name.as_str()) {
            // Winch has no GC heap to hold an externref in.
            assert!(global.is_err());
            return;
        }
        let imports = [
            ext("h", "refs", table.unwrap()),
            ext("h", "r", global.unwrap()),
        ];
        let a = instantiate(engine, store.as_mut(), wat, &imports);
        let b = instantiate(engine, store.as_mut(), wat, &imports);
        assert_eq!(
            call(store.as_mut(), a, "get", &[]),
            [Val::ExternRef(Some(9))]
        );
        call(store.as_mut(), a, "set_ref", &[Val::ExternRef(Some(77))]);
        assert_eq!(
            call(store.as_mut(), b, "get_ref", &[]),
            [Val::ExternRef(Some(77))]
        );
    });
}

#[test]
fn mismatched_extern_import_is_reported() {
    each_engine(|engine| {
        let mut store = store(engine);
        let p = instantiate(engine, store.as_mut(), PROVIDER, &[]);
        let counter = store.export(p, "counter").unwrap();
        let wat = r#"(module (import "p" "counter" (global i64)))"#;
        let err = try_instantiate(engine, store.as_mut(), wat, &[ext("p", "counter", counter)])
            .unwrap_err();
        assert!(
            matches!(&err, wasmux_core::Error::IncompatibleImport { name, .. } if name == "counter"),
            "{err}"
        );
    });
}
