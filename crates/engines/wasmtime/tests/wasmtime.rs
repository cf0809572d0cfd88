//! What only the wasmtime adapter promises. Behaviour every engine shares is checked on every
//! variant by the conformance suite (`crates/wasmux/tests/conformance`).

use std::sync::Arc;
use wasmux_core::{Engine, StoreConfig};

fn engine_named(name: &str) -> Arc<dyn Engine> {
    wasmux_engine_wasmtime::engines()
        .into_iter()
        .find(|e| e.info().name == name)
        .unwrap()
}

#[test]
fn info_names_every_variant() {
    let names: Vec<_> = wasmux_engine_wasmtime::engines()
        .iter()
        .map(|e| e.info().name.clone())
        .collect();
    assert_eq!(names, ["wasmtime", "wasmtime:winch", "wasmtime:pulley"]);
    let winch = engine_named("wasmtime:winch");
    assert!(!winch.info().caps.reference_types && !winch.info().caps.tail_call);
    assert!(!engine_named("wasmtime:pulley").info().caps.threads);
    for e in wasmux_engine_wasmtime::engines() {
        let info = e.info();
        assert_eq!(info.engine, "wasmtime");
        assert_eq!(info.version, "48.0.8");
        assert!(info.caps.native_fuel && info.caps.native_interrupt);
        assert!(info.caps.multi_value && info.caps.bulk_memory && info.caps.simd);
    }
}

/// The same export gives the same handle each time (the other adapters make a new one).
#[test]
fn an_export_has_one_handle() {
    let wat = r#"(module (memory (export "memory") 1) (func (export "f")))"#;
    for engine in wasmux_engine_wasmtime::engines() {
        let module = engine.compile(&wat::parse_str(wat).unwrap()).unwrap();
        let mut store = engine.new_store(&StoreConfig::default()).unwrap();
        let id = store.instantiate(module.as_ref(), &[]).unwrap();
        for name in ["memory", "f"] {
            assert_eq!(store.export(id, name), store.export(id, name), "{name}");
        }
    }
}
