//! What only the wasmer adapter promises. Behaviour every engine shares is checked on every
//! variant by the conformance suite (`crates/wasmux/tests/conformance`).

use wasmux_core::{Engine, StoreConfig, Trap, Val};

#[test]
fn engine_info() {
    let engines = wasmux_engine_wasmer::engines();
    assert_eq!(engines[0].info().name, "wasmer");
    assert_eq!(engines[0].info().kind, "baseline JIT (Singlepass)");
    assert!(!engines[0].info().caps.simd);
    for e in &engines {
        assert_eq!(e.info().engine, "wasmer");
        assert_eq!(e.info().version, "7.4.2");
        assert!(e.info().caps.multi_value && e.info().caps.reference_types);
    }
    if cfg!(feature = "llvm") {
        assert_eq!(engines.len(), 2);
        assert_eq!(engines[1].info().name, "wasmer:llvm");
        assert!(engines[1].info().caps.simd);
    }
}

#[test]
fn a_larger_stack_limit_gives_more_depth() {
    // Depth reached before overflowing, counted in a global: a larger stack gives more depth.
    // Only growth is checked: wasmer reuses any cached stack at least as large as asked for,
    // so a limit below the stack last used on this thread is not reliably applied. For the
    // same reason every default depth is measured before any large one.
    let text = r#"
    (module
      (global $depth (export "depth") (mut i32) (i32.const 0))
      (func $down (export "down")
        (global.set $depth (i32.add (global.get $depth) (i32.const 1)))
        (call $down))
    )"#;
    let wasm = wat::parse_str(text).unwrap();
    let depth = |engine: &dyn Engine, config: &StoreConfig| {
        let module = engine.compile(&wasm).unwrap();
        let mut store = engine.new_store(config).unwrap();
        let id = store.instantiate(module.as_ref(), &[]).unwrap();
        let err = store.call(id, "down", &[]).unwrap_err();
        assert_eq!(err.as_trap(), Some(Trap::StackOverflow), "{err}");
        match store.global_get(id, "depth") {
            Some(Val::I32(d)) => d,
            other => panic!("{other:?}"),
        }
    };
    let engines = wasmux_engine_wasmer::engines();
    let defaults: Vec<i32> = engines
        .iter()
        .map(|e| depth(e.as_ref(), &StoreConfig::default()))
        .collect();
    let large = StoreConfig {
        max_stack_bytes: Some(4 << 20),
    };
    for (engine, default) in engines.iter().zip(defaults) {
        let large = depth(engine.as_ref(), &large);
        let name = &engine.info().name;
        assert!(large > default * 2, "{name}: {large} vs {default}");
    }
}
