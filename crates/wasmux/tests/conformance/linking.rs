//! Instances of one store importing each other's exports, and externs the host creates.

use crate::support::*;
use wasmux::adapter::Import;
use wasmux::{Error, GlobalType, MemoryType, TableType, Trap, Val, ValType};

conformance! {
    fn functions_and_immutable_globals_link_on_every_engine(engine) {
        let lib = r#"(module
          (global $n (export "n") i32 (i32.const 40))
          (global $calls (mut i32) (i32.const 0))
          (func (export "double") (param i64) (result i64)
            (global.set $calls (i32.add (global.get $calls) (i32.const 1)))
            (i64.mul (local.get 0) (i64.const 2)))
          (func (export "calls") (result i32) (global.get $calls))
          (func (export "boom") (unreachable)))"#;
        let app = r#"(module
          (import "lib" "double" (func $double (param i64) (result i64)))
          (import "lib" "boom" (func $boom))
          (import "lib" "n" (global $n i32))
          (func (export "run") (param i64) (result i64) (call $double (local.get 0)))
          (func (export "n") (result i32) (global.get $n))
          (func (export "boom") (call $boom)))"#;
        let mut store = store(engine);
        let s = store.as_mut();
        let lib = instantiate(engine, s, lib, &[]);
        let imports: Vec<Import> = ["double", "boom", "n"]
            .into_iter()
            .map(|n| ext("lib", n, s.export(lib, n).expect(n)))
            .collect();
        assert_eq!(s.export(lib, "nothing"), None);
        let app = instantiate(engine, s, app, &imports);
        assert_eq!(call(s, app, "run", &[Val::I64(21)]), [Val::I64(42)]);
        assert_eq!(call(s, lib, "calls", &[]), [Val::I32(1)]);
        assert_eq!(call(s, app, "n", &[]), [Val::I32(40)]);
        let err = call_err(s, app, "boom", &[]);
        assert_eq!(err.as_trap(), Some(Trap::Unreachable), "{err}");
        assert_eq!(call(s, app, "run", &[Val::I64(-4)]), [Val::I64(-8)]);

        // An import of the wrong type is refused by name.
        let wrong = r#"(module (import "lib" "n" (global i64)))"#;
        match try_instantiate(engine, s, wrong, &[imports[2].clone()]) {
            Err(Error::IncompatibleImport { module, name, .. }) => {
                assert_eq!((module.as_str(), name.as_str()), ("lib", "n"))
            }
            other => panic!("expected IncompatibleImport, got {other:?}"),
        }
    }
}

const PROVIDER: &str = r#"
(module
  (func $forty_two (result i32) i32.const 42)
  (func (export "double") (param i32) (result i32) (i32.mul (local.get 0) (i32.const 2)))
  (memory (export "memory") 1 4)
  (global (export "counter") (mut i32) (i32.const 10))
  (table (export "table") 2 funcref)
  (elem (i32.const 0) $forty_two)
  (func (export "read") (param i32) (result i32) (i32.load (local.get 0)))
  (func (export "bump") (global.set 0 (i32.add (global.get 0) (i32.const 1))))
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
  (func (export "via_func") (param i32) (result i32) (call $double (local.get 0)))
  (func (export "via_table") (param i32) (result i32) (call_indirect (result i32) (local.get 0)))
  (func (export "poke") (param i32 i32) (i32.store (local.get 0) (local.get 1)))
  (func (export "counter") (result i32) (global.get $counter))
  (func (export "set_counter") (param i32) (global.set $counter (local.get 0)))
)"#;

conformance! {
    fn instances_share_memories_tables_and_mutable_globals(engine) {
        let mut store = store(engine);
        let s = store.as_mut();
        let p = instantiate(engine, s, PROVIDER, &[]);
        if !engine.info().caps.cross_instance_linking {
            // wasm3: each instance owns its memory, table and globals (ENGINES.md).
            for (wat, export) in [
                (r#"(module (import "p" "memory" (memory 1)))"#, "memory"),
                (r#"(module (import "p" "table" (table 1 funcref)))"#, "table"),
                (r#"(module (import "p" "counter" (global (mut i32))))"#, "counter"),
            ] {
                let handle = s.export(p, export).unwrap();
                let result = try_instantiate(engine, s, wat, &[ext("p", export, handle)]);
                let err = assert_unsupported(engine, result);
                assert!(err.to_string().contains(&format!("p::{export}")), "{err}");
            }
            return;
        }
        let imports: Vec<Import> = ["double", "memory", "counter", "table"]
            .into_iter()
            .map(|n| ext("p", n, s.export(p, n).expect(n)))
            .collect();
        let c = instantiate(engine, s, CONSUMER, &imports);
        assert_eq!(call(s, c, "via_func", &[Val::I32(21)]), [Val::I32(42)]);
        // The consumer reaches the provider's function through the shared table, and the
        // provider the consumer's.
        assert_eq!(call(s, c, "via_table", &[Val::I32(0)]), [Val::I32(42)]);
        assert_eq!(call(s, p, "call_slot", &[Val::I32(1)]), [Val::I32(7)]);
        // The consumer's memory and global are the provider's, both ways.
        call(s, c, "poke", &[Val::I32(8), Val::I32(0x1234)]);
        assert_eq!(call(s, p, "read", &[Val::I32(8)]), [Val::I32(0x1234)]);
        call(s, p, "bump", &[]);
        assert_eq!(call(s, c, "counter", &[]), [Val::I32(11)]);
        call(s, c, "set_counter", &[Val::I32(99)]);
        assert_eq!(call(s, p, "get_counter", &[]), [Val::I32(99)]);
        assert_eq!(s.global_get(p, "counter"), Some(Val::I32(99)));
        // A third instance sees the same memory.
        let reader = r#"(module (import "p" "memory" (memory 1))
          (func (export "load") (result i32) (i32.load (i32.const 8))))"#;
        let r = instantiate(engine, s, reader, &[imports[1].clone()]);
        assert_eq!(call(s, r, "load", &[]), [Val::I32(0x1234)]);
        // Memory size reports exported memories only (Store::memory_size).
        assert_eq!(s.memory_size(p), Some(65536));
        assert_eq!(s.memory_size(c), None, "the consumer exports no memory");
        // An import of the wrong type is refused by name.
        let wrong = r#"(module (import "p" "counter" (global i64)))"#;
        match try_instantiate(engine, s, wrong, &[imports[2].clone()]) {
            Err(Error::IncompatibleImport { name, .. }) => assert_eq!(name, "counter"),
            other => panic!("expected IncompatibleImport, got {other:?}"),
        }
    }
}

conformance! {
    /// A trapping start function runs after the instance is complete: its element segments'
    /// writes to an imported table stay.
    fn a_trapping_start_function_keeps_its_table_writes(engine) {
        let mut store = store(engine);
        let s = store.as_mut();
        let p = instantiate(engine, s, PROVIDER, &[]);
        let table = [ext("p", "table", s.export(p, "table").unwrap())];
        let wat = r#"(module
          (import "p" "table" (table 2 funcref))
          (global $g i32 (i32.const 7))
          (func $f (result i32) (global.get $g))
          (func $start (unreachable))
          (elem (i32.const 1) $f)
          (start $start))"#;
        if !engine.info().caps.cross_instance_linking {
            // wasm3: no shared tables (ENGINES.md).
            assert_unsupported(engine, try_instantiate(engine, s, wat, &table));
            return;
        }
        let err = try_instantiate(engine, s, wat, &table).unwrap_err();
        assert_eq!(err.as_trap(), Some(Trap::Unreachable), "{err}");
        assert_eq!(call(s, p, "call_slot", &[Val::I32(1)]), [Val::I32(7)]);
    }
}

const I64_MUT: GlobalType = GlobalType {
    content: ValType::I64,
    mutable: true,
};

conformance! {
    fn host_created_globals_memories_and_tables(engine) {
        let mut store = store(engine);
        let s = store.as_mut();
        let memory = MemoryType { minimum: 1, maximum: Some(3) };
        let funcs = TableType { element: ValType::FuncRef, minimum: 10, maximum: Some(20) };
        if !engine.info().caps.cross_instance_linking {
            // wasm3: every instance keeps its own memory and table (ENGINES.md); a global the
            // host made is mirrored in each instance that imports it, so writes are shared.
            assert_unsupported(engine, s.new_memory(memory));
            assert_unsupported(engine, s.new_table(funcs));
            let g = s.new_global(I64_MUT, Val::I64(100)).unwrap();
            let wat = r#"(module
              (import "h" "g" (global $g (mut i64)))
              (import "h" "bump" (func $bump))
              (func (export "bump") (result i64)
                (global.set $g (i64.add (global.get $g) (i64.const 1))) (global.get $g))
              (func (export "bump_twice") (result i64)
                (global.set $g (i64.add (global.get $g) (i64.const 1)))
                (call $bump) (global.get $g)))"#;
            let leaf = r#"(module (import "h" "g" (global $g (mut i64)))
              (func (export "bump") (global.set $g (i64.add (global.get $g) (i64.const 10)))))"#;
            let l = instantiate(engine, s, leaf, &[ext("h", "g", g)]);
            let bump = s.export(l, "bump").unwrap();
            let a = instantiate(engine, s, wat, &[ext("h", "g", g), ext("h", "bump", bump)]);
            let b = instantiate(engine, s, wat, &[ext("h", "g", g), ext("h", "bump", bump)]);
            assert_eq!(call(s, a, "bump", &[]), [Val::I64(101)]);
            assert_eq!(call(s, b, "bump", &[]), [Val::I64(102)]);
            // Through a call into another instance and back.
            assert_eq!(call(s, a, "bump_twice", &[]), [Val::I64(113)]);
            assert_eq!(call(s, b, "bump", &[]), [Val::I64(114)]);
            return;
        }
        let g = s.new_global(I64_MUT, Val::I64(100)).unwrap();
        let k_type = GlobalType { content: ValType::F64, mutable: false };
        let k = s.new_global(k_type, Val::f64(0.5)).unwrap();
        let imports = [
            ext("h", "g", g),
            ext("h", "k", k),
            ext("h", "mem", s.new_memory(memory).unwrap()),
            ext("h", "funcs", s.new_table(funcs).unwrap()),
        ];
        let wat = r#"(module
          (import "h" "g" (global $g (mut i64)))
          (import "h" "k" (global $k f64))
          (import "h" "mem" (memory 1 3))
          (import "h" "funcs" (table $t 10 20 funcref))
          (type $r (func (result i32)))
          (func $five (result i32) i32.const 5)
          (func $seven (result i32) i32.const 7)
          (elem (i32.const 2) func $five)
          (elem declare func $seven)
          (func (export "bump") (result i64)
            (global.set $g (i64.add (global.get $g) (i64.const 1))) (global.get $g))
          (func (export "k") (result f64) global.get $k)
          (func (export "store") (param i32 i32) (i32.store (local.get 0) (local.get 1)))
          (func (export "load") (param i32) (result i32) (i32.load (local.get 0)))
          (func (export "pages") (result i32) (memory.size))
          (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
          (func (export "slot") (param i32) (result i32) (call_indirect $t (type $r) (local.get 0)))
          (func (export "set_seven") (table.set $t (i32.const 3) (ref.func $seven)))
          (func (export "table_size") (result i32) (table.size $t)))"#;
        let a = instantiate(engine, s, wat, &imports);
        let b = instantiate(engine, s, wat, &imports);
        // Both instances share the global, memory and table the host made.
        assert_eq!(call(s, a, "bump", &[]), [Val::I64(101)]);
        assert_eq!(call(s, b, "bump", &[]), [Val::I64(102)]);
        assert_eq!(call(s, b, "k", &[]), [Val::f64(0.5)]);
        call(s, a, "store", &[Val::I32(100), Val::I32(-9)]);
        assert_eq!(call(s, b, "load", &[Val::I32(100)]), [Val::I32(-9)]);
        assert_eq!(call(s, a, "pages", &[]), [Val::I32(1)]);
        assert_eq!(call(s, a, "grow", &[Val::I32(2)]), [Val::I32(1)]);
        assert_eq!(call(s, b, "pages", &[]), [Val::I32(3)]);
        // The maximum the host gave holds: -1, as the spec says, not a trap.
        assert_eq!(call(s, b, "grow", &[Val::I32(1)]), [Val::I32(-1)]);
        assert_eq!(call(s, b, "table_size", &[]), [Val::I32(10)]);
        assert_eq!(call(s, b, "slot", &[Val::I32(2)]), [Val::I32(5)]);
        call(s, a, "set_seven", &[]);
        assert_eq!(call(s, b, "slot", &[Val::I32(3)]), [Val::I32(7)]);
        let err = call_err(s, b, "slot", &[Val::I32(0)]);
        assert_eq!(err.as_trap(), Some(Trap::TableOutOfBounds), "{err}");
    }
}

conformance! {
    fn host_created_externref_table_and_global(engine) {
        let mut store = store(engine);
        let s = store.as_mut();
        let r_type = GlobalType { content: ValType::ExternRef, mutable: false };
        let global = s.new_global(r_type, Val::ExternRef(Some(9)));
        if !has_externref(engine) {
            // Winch has no GC heap to hold an externref in; wasm3 no reference types.
            assert!(global.is_err(), "{}", name(engine));
            return;
        }
        let table = TableType { element: ValType::ExternRef, minimum: 1, maximum: Some(1) };
        let imports = [
            ext("h", "refs", s.new_table(table).unwrap()),
            ext("h", "r", global.unwrap()),
        ];
        let wat = r#"(module
          (import "h" "refs" (table 1 externref))
          (import "h" "r" (global $r externref))
          (func (export "get") (result externref) global.get $r)
          (func (export "set_ref") (param externref) (table.set (i32.const 0) (local.get 0)))
          (func (export "get_ref") (result externref) (table.get (i32.const 0))))"#;
        let a = instantiate(engine, s, wat, &imports);
        let b = instantiate(engine, s, wat, &imports);
        assert_eq!(call(s, a, "get", &[]), [Val::ExternRef(Some(9))]);
        assert_eq!(call(s, b, "get_ref", &[]), [Val::ExternRef(None)]);
        call(s, a, "set_ref", &[Val::ExternRef(Some(77))]);
        assert_eq!(call(s, b, "get_ref", &[]), [Val::ExternRef(Some(77))]);
    }
}

conformance! {
    fn host_created_externs_are_checked(engine) {
        let mut store = store(engine);
        let s = store.as_mut();
        let i32_const = GlobalType { content: ValType::I32, mutable: false };
        // A global's first value must have its type.
        assert!(s.new_global(i32_const, Val::I64(1)).is_err());
        if !engine.info().caps.cross_instance_linking {
            // Shown refused in `host_created_globals_memories_and_tables`.
            return;
        }
        let g = s.new_global(i32_const, Val::I32(1)).unwrap();
        let wat = r#"(module (import "h" "g" (global i64)))"#;
        match try_instantiate(engine, s, wat, &[ext("h", "g", g)]) {
            Err(Error::IncompatibleImport { module, name, .. }) => {
                assert_eq!((module.as_str(), name.as_str()), ("h", "g"))
            }
            other => panic!("expected IncompatibleImport, got {other:?}"),
        }
        match try_instantiate(engine, s, wat, &[]) {
            Err(Error::ImportCount { expected: 1, given: 0 }) => {}
            other => panic!("expected ImportCount, got {other:?}"),
        }
    }
}
