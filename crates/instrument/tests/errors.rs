mod common;

use common::{assert_valid, wat};
use wasmux_instrument::{instrument, InstrumentError, Options, FUEL_GET_EXPORT};

const ALL: Options = Options {
    fuel: true,
    interrupt: true,
    max_memory_pages: Some(16),
    lower_post_mvp: true,
};

const SAMPLE: &str = r#"(module
  (import "env" "add1" (func $add1 (param i32) (result i32)))
  (memory (export "memory") 1 4)
  (table 2 funcref)
  (elem (i32.const 0) $f $g)
  (global $g0 (mut i32) (i32.const 7))
  (data (i32.const 16) "hello")
  (func $f (param i32) (result i32)
    (i32.extend8_s (call $add1 (local.get 0))))
  (func $g (param i32) (result i32)
    (memory.fill (i32.const 0) (local.get 0) (i32.const 8))
    (i32.trunc_sat_f64_u (f64.convert_i32_s (local.get 0))))
  (func (export "run") (param i32) (result i32)
    (loop $l (br_if $l (i32.eqz (local.get 0))))
    (call_indirect (param i32) (result i32) (local.get 0) (i32.const 1)))
  (func $start (global.set $g0 (i32.const 1)))
  (start $start))"#;

#[test]
fn garbage_is_a_parse_error_with_an_offset() {
    match instrument(b"hello, world", &ALL) {
        Err(InstrumentError::Parse { offset, message }) => {
            assert_eq!(offset, 0);
            assert!(!message.is_empty());
        }
        other => panic!("{other:?}"),
    }
    let wasm = wat(SAMPLE);
    let cut = wasm.len() - 5;
    match instrument(&wasm[..cut], &ALL) {
        Err(InstrumentError::Parse { offset, .. }) => assert!(offset > 8 && offset <= cut),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        instrument(&[], &Options::default()),
        Err(InstrumentError::Parse { .. })
    ));
}

#[test]
fn damaged_modules_never_panic() {
    let wasm = wat(SAMPLE);
    let option_sets = [
        ALL,
        Options {
            lower_post_mvp: false,
            ..ALL
        },
    ];
    for len in 0..wasm.len() {
        for opts in &option_sets {
            // A cut between sections leaves a shorter valid module.
            if let Ok(out) = instrument(&wasm[..len], opts) {
                assert_valid(&out);
            }
        }
    }
    for i in 0..wasm.len() {
        for flip in [0x01u8, 0x40, 0x80, 0xff] {
            let mut damaged = wasm.clone();
            damaged[i] ^= flip;
            for opts in &option_sets {
                if let Ok(out) = instrument(&damaged, opts) {
                    assert_valid(&out);
                }
            }
        }
    }
}

#[test]
fn the_sample_is_fine_with_every_option() {
    assert_valid(&instrument(&wat(SAMPLE), &ALL).unwrap());
}

#[test]
fn an_export_name_clash_is_refused() {
    let src = format!("(module (func (export \"{FUEL_GET_EXPORT}\")))");
    let err = instrument(&wat(&src), &ALL).unwrap_err();
    assert_eq!(
        err,
        InstrumentError::NameClash {
            name: FUEL_GET_EXPORT.to_string()
        }
    );
}

#[test]
fn no_options_no_change() {
    let wasm = wat(SAMPLE);
    assert_eq!(instrument(&wasm, &Options::default()).unwrap(), wasm);
}
