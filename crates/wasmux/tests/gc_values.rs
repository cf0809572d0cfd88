//! GC references as values: i31s and host references both ways, structs and arrays
//! observable from the host.

mod common;
use common::*;
use wasmux::{AnyRef, Error, Runtime, Val, ValType};

const GC: &str = r#"(module
  (type $point (struct (field i32)))
  (type $row (array i32))
  (func (export "box") (param i32) (result i31ref) (ref.i31 (local.get 0)))
  (func (export "unbox") (param i31ref) (result i32) (i31.get_u (local.get 0)))
  (func (export "point") (result (ref null $point)) (struct.new $point (i32.const 1)))
  (func (export "row") (result arrayref) (array.new_default $row (i32.const 3)))
  (func (export "nothing") (result anyref) (ref.null any))
  (func (export "is_null") (param anyref) (result i32) (ref.is_null (local.get 0)))
  (func (export "internalize") (param externref) (result anyref)
    (any.convert_extern (local.get 0)))
  (func (export "externalize") (param anyref) (result externref)
    (extern.convert_any (local.get 0))))"#;

/// Variants whose engine implements the GC proposal.
const WITH_GC: [&str; 2] = ["wasmtime", "wasmtime:pulley"];

#[test]
fn gc_references_cross_the_host_boundary() {
    for engine in engines() {
        let runtime = Runtime::builder().engine(&engine).build().unwrap();
        let mut inst = match runtime.instantiate(&module(GC)) {
            Ok(inst) => inst,
            Err(e) => {
                assert!(!WITH_GC.contains(&engine.as_str()), "{engine}: {e}");
                // Engines without GC refuse the module with a reason, not a crash.
                assert!(!e.to_string().is_empty());
                continue;
            }
        };
        assert_eq!(
            inst.func_type("point").unwrap().results,
            vec![ValType::AnyRef]
        );
        let boxed = inst.call("box", &[Val::I32(-1)]).unwrap();
        assert_eq!(boxed, vec![Val::AnyRef(Some(AnyRef::I31((1 << 31) - 1)))]);
        let unboxed = inst.call("unbox", &boxed).unwrap();
        assert_eq!(unboxed, vec![Val::I32(i32::MAX)], "{engine}");
        let host_made = Val::AnyRef(Some(AnyRef::I31(42)));
        assert_eq!(
            inst.call("unbox", &[host_made]).unwrap(),
            vec![Val::I32(42)]
        );
        assert_eq!(
            inst.call("point", &[]).unwrap(),
            vec![Val::AnyRef(Some(AnyRef::Struct))]
        );
        assert_eq!(
            inst.call("row", &[]).unwrap(),
            vec![Val::AnyRef(Some(AnyRef::Array))]
        );
        assert_eq!(inst.call("nothing", &[]).unwrap(), vec![Val::AnyRef(None)]);
        assert_eq!(
            inst.call("is_null", &[Val::AnyRef(None)]).unwrap(),
            vec![Val::I32(1)]
        );
        // A host reference keeps its number through the GC hierarchy, in both directions.
        assert_eq!(
            inst.call("internalize", &[Val::ExternRef(Some(9))])
                .unwrap(),
            vec![Val::AnyRef(Some(AnyRef::Host(9)))]
        );
        assert_eq!(
            inst.call("externalize", &[Val::AnyRef(Some(AnyRef::Host(5)))])
                .unwrap(),
            vec![Val::ExternRef(Some(5))]
        );
        // Struct and array identities stay in the guest: the host cannot forge one.
        match inst.call("is_null", &[Val::AnyRef(Some(AnyRef::Struct))]) {
            Err(Error::Unsupported { what, .. }) => assert!(what.contains("struct"), "{what}"),
            other => panic!("{engine}: {other:?}"),
        }
    }
}

#[test]
fn anyref_arguments_parse_from_text() {
    assert_eq!(Val::parse(ValType::AnyRef, "null"), Ok(Val::AnyRef(None)));
    assert_eq!(
        Val::parse(ValType::AnyRef, "i31:7"),
        Ok(Val::AnyRef(Some(AnyRef::I31(7))))
    );
    assert!(Val::parse(ValType::AnyRef, "i31:2147483648").is_err());
    assert!(Val::parse(ValType::AnyRef, "struct").is_err());
}
