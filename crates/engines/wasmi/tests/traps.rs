//! Every trap kind wasmi raises, instantiation failures, and recovery from stack overflow.

mod common;

use common::*;
use wasmux_core::{Error, StoreConfig, Trap, Val};

const MODULE: &str = r#"
(module
  (type $v (func))
  (type $i (func (result i32)))
  (memory 1)
  (table 2 funcref)
  (elem (i32.const 0) $nop)
  (func $nop)
  (func (export "unreachable") unreachable)
  (func (export "oob_memory") (drop (i32.load (i32.const 65536))))
  (func (export "oob_table") (call_indirect (type $v) (i32.const 5)))
  (func (export "null_entry") (call_indirect (type $v) (i32.const 1)))
  (func (export "bad_sig") (drop (call_indirect (type $i) (i32.const 0))))
  (func (export "div0") (drop (i32.div_s (i32.const 1) (i32.const 0))))
  (func (export "overflow") (drop (i32.div_s (i32.const 0x80000000) (i32.const -1))))
  (func (export "bad_conv") (drop (i32.trunc_f32_s (f32.const nan))))
  (func $rec (export "recurse") (param i32) (result i32)
    (i32.add (call $rec (i32.add (local.get 0) (i32.const 1))) (i32.const 1)))
  (func $deep (export "deep") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (i32.const 0))
      (else (i32.add (call $deep (i32.sub (local.get 0) (i32.const 1))) (i32.const 1)))))
)
"#;

#[test]
fn every_trap_kind() {
    let (mut s, id) = instance(MODULE);
    let cases = [
        ("unreachable", Trap::Unreachable),
        ("oob_memory", Trap::MemoryOutOfBounds),
        ("oob_table", Trap::TableOutOfBounds),
        ("null_entry", Trap::TableOutOfBounds),
        ("bad_sig", Trap::IndirectCallTypeMismatch),
        ("div0", Trap::DivideByZero),
        ("overflow", Trap::IntegerOverflow),
        ("bad_conv", Trap::BadConversionToInteger),
    ];
    for (func, trap) in cases {
        let err = call_err(&mut *s, id, func, &[]);
        assert_eq!(err.as_trap(), Some(trap), "{func}: {err}");
    }
}

#[test]
fn stack_overflow_then_store_still_works() {
    let (mut s, id) = instance(MODULE);
    let err = call_err(&mut *s, id, "recurse", &[Val::I32(0)]);
    assert_eq!(err.as_trap(), Some(Trap::StackOverflow), "{err}");
    assert_eq!(call(&mut *s, id, "deep", &[Val::I32(100)]), [Val::I32(100)]);
}

#[test]
fn recursion_deeper_than_a_thousand_frames() {
    let (mut s, id) = instance(MODULE);
    assert_eq!(
        call(&mut *s, id, "deep", &[Val::I32(5000)]),
        [Val::I32(5000)]
    );
}

#[test]
fn stack_limit_from_store_config() {
    let engine = engine();
    let module = compile(&*engine, MODULE);
    let small = StoreConfig {
        max_stack_bytes: Some(4096),
    };
    let mut s = engine.new_store(&small).unwrap();
    let id = s.instantiate(&*module, &[]).unwrap();
    let err = call_err(&mut *s, id, "deep", &[Val::I32(5000)]);
    assert_eq!(err.as_trap(), Some(Trap::StackOverflow), "{err}");
    assert_eq!(call(&mut *s, id, "deep", &[Val::I32(10)]), [Val::I32(10)]);
    // The default store, made after the small one, still has the full stack.
    let mut big = store(&*engine);
    let id = big.instantiate(&*module, &[]).unwrap();
    assert_eq!(
        call(&mut *big, id, "deep", &[Val::I32(5000)]),
        [Val::I32(5000)]
    );
}

#[test]
fn trapping_start_function_is_the_trap() {
    let engine = engine();
    let module = compile(&*engine, "(module (func $s unreachable) (start $s))");
    let err = store(&*engine).instantiate(&*module, &[]).unwrap_err();
    assert_eq!(err.as_trap(), Some(Trap::Unreachable), "{err}");
}

#[test]
fn out_of_bounds_segments_fail_instantiation() {
    let engine = engine();
    for wat in [
        r#"(module (memory 1) (data (i32.const 65535) "ab"))"#,
        "(module (table 1 funcref) (func $f) (elem (i32.const 1) $f))",
    ] {
        let module = compile(&*engine, wat);
        let err = store(&*engine).instantiate(&*module, &[]).unwrap_err();
        assert!(matches!(err, Error::Instantiation(_)), "{wat}: {err}");
    }
}
