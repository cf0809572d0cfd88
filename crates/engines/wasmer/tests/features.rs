//! What each compiler accepts, and the error for what it does not.

mod common;

use common::each_engine;
use wasmux_core::{Error, Val};

const SIMD: &str = r#"
(module
  (func (export "splat") (param i32) (result v128) (i32x4.splat (local.get 0)))
)
"#;

const TAIL_CALL: &str = r#"
(module
  (func $loop (export "count") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (i32.const 42))
      (else (return_call $loop (i32.sub (local.get 0) (i32.const 1))))))
)
"#;

#[test]
fn simd_where_supported_and_a_clear_error_elsewhere() {
    each_engine(|engine| {
        let result = engine.compile(&common::wasm(SIMD));
        if engine.info().caps.simd {
            let module = result.unwrap();
            let mut store = common::new_store(engine);
            let id = store.instantiate(module.as_ref(), &[]).unwrap();
            let out = store.call(id, "splat", &[Val::I32(1)]).unwrap();
            assert_eq!(
                out,
                vec![Val::V128(0x0000_0001_0000_0001_0000_0001_0000_0001)]
            );
        } else {
            let err = result.err().expect("SIMD is rejected");
            assert!(matches!(err, Error::Unsupported { .. }), "{err}");
            assert!(err.to_string().contains(&engine.info().name), "{err}");
            eprintln!("{err}");
        }
    });
}

#[test]
fn tail_calls_where_supported_and_a_clear_error_elsewhere() {
    each_engine(|engine| {
        let result = engine.compile(&common::wasm(TAIL_CALL));
        if engine.info().caps.tail_call {
            let module = result.unwrap();
            let mut store = common::new_store(engine);
            let id = store.instantiate(module.as_ref(), &[]).unwrap();
            // Deep enough to overflow the stack without tail calls.
            let out = store.call(id, "count", &[Val::I32(1_000_000)]).unwrap();
            assert_eq!(out, vec![Val::I32(42)]);
        } else {
            let err = result.err().expect("tail calls are rejected");
            assert!(matches!(err, Error::Unsupported { .. }), "{err}");
            eprintln!("{err}");
        }
    });
}

#[test]
fn engine_info() {
    let engines = common::engines();
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
