//! Instances importing what other instances export, and what the host creates.

mod common;

use common::{call, each_engine, instantiate, new_store};
use wasmux_core::{
    Error, ExternHandle, GlobalType, Import, ImportValue, MemoryType, TableType, Val, ValType,
};

fn ext(module: &str, name: &str, handle: ExternHandle) -> Import {
    Import {
        module: module.into(),
        name: name.into(),
        value: ImportValue::Extern(handle),
    }
}

const PROVIDER: &str = r#"
(module
  (func $add (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (memory (export "mem") 1)
  (global (export "counter") (mut i32) (i32.const 10))
  (table (export "tab") 2 funcref)
  (elem (i32.const 0) $add)
)
"#;

const CONSUMER: &str = r#"
(module
  (type $bin (func (param i32 i32) (result i32)))
  (import "p" "add" (func $add (type $bin)))
  (import "p" "mem" (memory 1))
  (import "p" "counter" (global $c (mut i32)))
  (import "p" "tab" (table 2 funcref))
  (func (export "call_add") (result i32) (call $add (i32.const 2) (i32.const 3)))
  (func (export "via_table") (result i32)
    (call_indirect (type $bin) (i32.const 4) (i32.const 5) (i32.const 0)))
  (func (export "store") (i32.store (i32.const 8) (i32.const 0x1234)))
  (func (export "bump") (global.set $c (i32.add (global.get $c) (i32.const 1))))
)
"#;

#[test]
fn instance_imports_another_instances_exports() {
    each_engine(|engine| {
        let mut store = new_store(engine);
        let s = store.as_mut();
        let provider = instantiate(engine, s, PROVIDER, &[]);
        let mut imports = Vec::new();
        for name in ["add", "mem", "counter", "tab"] {
            let handle = s.export(provider, name).expect(name);
            imports.push(ext("p", name, handle));
        }
        let consumer = instantiate(engine, s, CONSUMER, &imports);

        assert_eq!(
            call(s, consumer, "call_add", &[]).unwrap(),
            vec![Val::I32(5)]
        );
        assert_eq!(
            call(s, consumer, "via_table", &[]).unwrap(),
            vec![Val::I32(9)]
        );
        call(s, consumer, "bump", &[]).unwrap();
        assert_eq!(s.global_get(provider, "counter"), Some(Val::I32(11)));
        call(s, consumer, "store", &[]).unwrap();
        // The consumer's memory 0 is the provider's memory.
        assert_eq!(s.memory_size(consumer), Some(65536));
        let probe = r#"
        (module (import "p" "mem" (memory 1))
          (func (export "load") (result i32) (i32.load (i32.const 8))))"#;
        let mem = s.export(provider, "mem").unwrap();
        let reader = instantiate(engine, s, probe, &[ext("p", "mem", mem)]);
        assert_eq!(
            call(s, reader, "load", &[]).unwrap(),
            vec![Val::I32(0x1234)]
        );

        assert_eq!(s.export(provider, "nothing"), None);
    });
}

#[test]
fn host_created_global_memory_and_table() {
    each_engine(|engine| {
        let mut store = new_store(engine);
        let s = store.as_mut();
        let g = s
            .new_global(
                GlobalType {
                    content: ValType::I64,
                    mutable: true,
                },
                Val::I64(40),
            )
            .unwrap();
        let k = s
            .new_global(
                GlobalType {
                    content: ValType::F64,
                    mutable: false,
                },
                Val::f64(0.5),
            )
            .unwrap();
        let m = s
            .new_memory(MemoryType {
                minimum: 1,
                maximum: Some(3),
            })
            .unwrap();
        let t = s
            .new_table(TableType {
                element: ValType::FuncRef,
                minimum: 2,
                maximum: None,
            })
            .unwrap();
        let x = s
            .new_table(TableType {
                element: ValType::ExternRef,
                minimum: 1,
                maximum: Some(1),
            })
            .unwrap();
        let text = r#"
        (module
          (import "h" "g" (global $g (mut i64)))
          (import "h" "k" (global $k f64))
          (import "h" "m" (memory 1 3))
          (import "h" "t" (table $t 2 funcref))
          (import "h" "x" (table $x 1 externref))
          (func $seven (result i32) (i32.const 7))
          (elem declare func $seven)
          (type $r (func (result i32)))
          (func (export "run") (result i64)
            (global.set $g (i64.add (global.get $g) (i64.const 2)))
            (global.get $g))
          (func (export "k") (result f64) (global.get $k))
          (func (export "grow") (result i32) (memory.grow (i32.const 2)))
          (func (export "fill") (result i32)
            (table.set $t (i32.const 1) (ref.func $seven))
            (call_indirect $t (type $r) (i32.const 1)))
          (func (export "keep") (param externref) (result externref)
            (table.set $x (i32.const 0) (local.get 0))
            (table.get $x (i32.const 0)))
        )"#;
        let imports = [
            ext("h", "g", g),
            ext("h", "k", k),
            ext("h", "m", m),
            ext("h", "t", t),
            ext("h", "x", x),
        ];
        let id = instantiate(engine, s, text, &imports);
        assert_eq!(call(s, id, "run", &[]).unwrap(), vec![Val::I64(42)]);
        assert_eq!(call(s, id, "k", &[]).unwrap(), vec![Val::f64(0.5)]);
        assert_eq!(s.memory_size(id), Some(65536));
        assert_eq!(call(s, id, "grow", &[]).unwrap(), vec![Val::I32(1)]);
        assert_eq!(s.memory_size(id), Some(3 * 65536));
        // The maximum the host gave is enforced.
        assert_eq!(call(s, id, "grow", &[]).unwrap(), vec![Val::I32(-1)]);
        assert_eq!(call(s, id, "fill", &[]).unwrap(), vec![Val::I32(7)]);
        let r = Val::ExternRef(Some(77));
        assert_eq!(call(s, id, "keep", &[r]).unwrap(), vec![r]);
    });
}

#[test]
fn incompatible_and_missing_imports_are_reported() {
    each_engine(|engine| {
        let mut store = new_store(engine);
        let s = store.as_mut();
        let g = s
            .new_global(
                GlobalType {
                    content: ValType::I32,
                    mutable: false,
                },
                Val::I32(1),
            )
            .unwrap();
        let module = engine
            .compile(&common::wasm(r#"(module (import "h" "g" (global i64)))"#))
            .unwrap();
        let err = s
            .instantiate(module.as_ref(), &[ext("h", "g", g)])
            .unwrap_err();
        assert!(matches!(err, Error::IncompatibleImport { .. }), "{err}");
        let err = s.instantiate(module.as_ref(), &[]).unwrap_err();
        assert!(
            matches!(err, Error::UnresolvedImports(ref v) if v == &["h::g"]),
            "{err}"
        );
        let mismatched = s.new_global(
            GlobalType {
                content: ValType::I32,
                mutable: false,
            },
            Val::I64(1),
        );
        assert!(mismatched.is_err());
    });
}

#[test]
fn modules_stay_with_their_engine() {
    let engines = common::engines();
    if engines.len() < 2 {
        return;
    }
    let module = engines[0].compile(&common::wasm("(module)")).unwrap();
    let mut store = new_store(engines[1].as_ref());
    assert!(store.instantiate(module.as_ref(), &[]).is_err());
}
