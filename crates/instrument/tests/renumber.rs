//! Added imports shift every defined function; everything that names one must follow.

mod common;

use common::{assert_valid, instantiate, wat};
use wasmi::Val;
use wasmux_instrument::{instrument, Options, START_EXPORT};

const MODULE: &str = r#"(module
  (import "env" "add1" (func $add1 (param i32) (result i32)))
  (type $t (func (param i32) (result i32)))
  (global $started (mut i32) (i32.const 0))
  (table 4 funcref)
  (elem (i32.const 0) $double $triple $via_import)
  (func $double (export "double") (param i32) (result i32) (i32.mul (local.get 0) (i32.const 2)))
  (func $triple (param i32) (result i32) (i32.mul (local.get 0) (i32.const 3)))
  (func $via_import (param i32) (result i32) (call $add1 (local.get 0)))
  (func $init
    (table.set (i32.const 3) (ref.func $triple))
    (global.set $started (i32.const 1)))
  (func (export "direct") (param i32) (result i32) (call $triple (call $double (local.get 0))))
  (func (export "indirect") (param i32 i32) (result i32)
    (call_indirect (type $t) (local.get 0) (local.get 1)))
  (func (export "started") (result i32) (global.get $started))
  (start $init))"#;

fn check(opts: &Options) {
    let wasm = instrument(&wat(MODULE), opts).unwrap();
    assert_valid(&wasm);
    let mut vm = instantiate(&wasm).unwrap();
    if opts.fuel {
        vm.set_fuel(1_000_000);
        assert_eq!(vm.call_i32("started", &[]).unwrap(), 0);
        vm.call(START_EXPORT, &[]).unwrap();
    }
    assert_eq!(vm.call_i32("started", &[]).unwrap(), 1);
    assert_eq!(vm.call_i32("double", &[Val::I32(5)]).unwrap(), 10);
    assert_eq!(vm.call_i32("direct", &[Val::I32(5)]).unwrap(), 30);
    let indirect = |vm: &mut common::Running, slot| {
        vm.call_i32("indirect", &[Val::I32(5), Val::I32(slot)])
            .unwrap()
    };
    assert_eq!(indirect(&mut vm, 0), 10);
    assert_eq!(indirect(&mut vm, 1), 15);
    assert_eq!(indirect(&mut vm, 2), 6);
    assert_eq!(indirect(&mut vm, 3), 15);
}

#[test]
fn calls_tables_exports_and_start_follow_the_shift() {
    check(&Options {
        interrupt: true,
        ..Options::default()
    });
    check(&Options {
        fuel: true,
        ..Options::default()
    });
    check(&Options {
        fuel: true,
        interrupt: true,
        max_memory_pages: Some(1),
        lower_post_mvp: false,
    });
}

#[test]
fn function_names_follow_the_shift() {
    let opts = Options {
        fuel: true,
        interrupt: true,
        ..Options::default()
    };
    let wasm = instrument(&wat(MODULE), &opts).unwrap();
    let mut names = Vec::new();
    for payload in wasmparser::Parser::new(0).parse_all(&wasm) {
        if let wasmparser::Payload::CustomSection(s) = payload.unwrap() {
            if let wasmparser::KnownCustom::Name(reader) = s.as_known() {
                for name in reader {
                    if let wasmparser::Name::Function(map) = name.unwrap() {
                        for n in map {
                            let n = n.unwrap();
                            names.push((n.index, n.name.to_string()));
                        }
                    }
                }
            }
        }
    }
    // One import of its own, then the two added ones.
    assert!(names.contains(&(0, "add1".to_string())), "{names:?}");
    assert!(names.contains(&(3, "double".to_string())), "{names:?}");
    assert!(names.contains(&(6, "init".to_string())), "{names:?}");
}

#[test]
fn modules_without_the_sections_get_them() {
    for src in [
        "(module)",
        "(module (func (export \"f\")))",
        "(module (memory 1))",
        "(module (func $f (loop (br_if 0 (i32.const 0)))) (start $f))",
    ] {
        for opts in [
            Options {
                fuel: true,
                ..Options::default()
            },
            Options {
                interrupt: true,
                ..Options::default()
            },
            Options {
                fuel: true,
                interrupt: true,
                max_memory_pages: Some(2),
                lower_post_mvp: true,
            },
        ] {
            let wasm = instrument(&wat(src), &opts).unwrap();
            assert_valid(&wasm);
            let mut vm = instantiate(&wasm).unwrap();
            if opts.fuel {
                vm.set_fuel(10);
                assert_eq!(vm.fuel(), 10);
            }
        }
    }
}

/// The added function imports follow the input's last function import and precede its other
/// imports: wasm3 0.3 skips an imported table's type without reading it, so an import after a
/// table import is misparsed there. The fuel tank comes first, so that it is global 0.
#[test]
fn added_imports_follow_the_last_function_import() {
    let module = r#"(module
      (import "env" "f" (func))
      (import "env" "table" (table 10 funcref))
      (import "env" "g" (global i32))
      (global $own (mut i32) (global.get 0))
      (func (export "run") (call 0))
      (func (export "own") (result i32) (global.set $own (i32.const 5)) (global.get $own)))"#;
    let opts = Options {
        fuel: true,
        interrupt: true,
        ..Options::default()
    };
    let wasm = instrument(&wat(module), &opts).unwrap();
    assert_valid(&wasm);
    let mut order = Vec::new();
    for payload in wasmparser::Parser::new(0).parse_all(&wasm) {
        if let wasmparser::Payload::ImportSection(reader) = payload.unwrap() {
            for import in reader.into_imports() {
                let import = import.unwrap();
                order.push(format!("{}.{}", import.module, import.name));
            }
        }
    }
    assert_eq!(
        order,
        [
            "wasmux_rt.fuel",
            "env.f",
            "wasmux_rt.out_of_fuel",
            "wasmux_rt.check",
            "env.table",
            "env.g"
        ]
    );
}
