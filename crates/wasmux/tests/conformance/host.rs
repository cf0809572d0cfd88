//! Host functions: values both ways, the caller's memory, and every way they can fail.

use crate::support::*;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use wasmux::{Error, FuncType, HostError, HostFunc, Trap, Val, ValType};

conformance! {
    fn scalar_arguments_and_result(engine) {
        let add = HostFunc::new(
            FuncType::new([ValType::I32, ValType::I64, ValType::F32, ValType::F64], [ValType::F64]),
            |_, params, results| {
                let [Val::I32(a), Val::I64(b), Val::F32(c), Val::F64(d)] = params else {
                    panic!("bad params {params:?}");
                };
                let sum = *a as f64 + *b as f64 + f32::from_bits(*c) as f64 + f64::from_bits(*d);
                results[0] = Val::f64(sum);
                Ok(())
            },
        );
        let wat = r#"(module
          (import "env" "add" (func $add (param i32 i64 f32 f64) (result f64)))
          (func (export "run") (result f64)
            (call $add (i32.const -3) (i64.const 10000000000) (f32.const 0.5) (f64.const 0.25))))"#;
        let (mut s, id) = instance(engine, wat, &[func("env", "add", add)]);
        assert_eq!(call(s.as_mut(), id, "run", &[]), [Val::f64(9_999_999_997.75)]);
    }
}

/// The values of each type this engine can pass, for the identity tests.
fn values_for(engine: &dyn wasmux::adapter::Engine) -> Vec<Val> {
    let mut values = vec![
        Val::I32(-1),
        Val::I64(i64::MIN),
        Val::f32(3.5),
        Val::F32(0x7fc0_0001),
        Val::f64(4.25),
        Val::F64(0x7ff8_0000_0000_0001),
    ];
    if engine.info().caps.simd {
        values.push(Val::V128(u128::MAX - 5));
    }
    if has_funcref(engine) {
        values.push(Val::FuncRef(None));
    }
    if has_externref(engine) {
        values.extend([Val::ExternRef(Some(9)), Val::ExternRef(None)]);
    }
    values
}

conformance! {
    fn every_type_through_an_identity_host_function(engine) {
        for v in values_for(engine) {
            let ty = v.ty();
            let id_fn = HostFunc::new(FuncType::new([ty], [ty]), |_, p, r| {
                r[0] = p[0];
                Ok(())
            });
            let wat = format!(
                r#"(module
                  (import "env" "id" (func $id (param {ty}) (result {ty})))
                  (func (export "run") (param {ty}) (result {ty}) (call $id (local.get 0))))"#
            );
            let (mut s, id) = instance(engine, &wat, &[func("env", "id", id_fn)]);
            assert_eq!(call(s.as_mut(), id, "run", &[v]), [v], "{ty}");
        }
    }
}

conformance! {
    fn host_sees_and_returns_externref_numbers(engine) {
        let wat = r#"(module
          (import "env" "inc" (func $inc (param externref) (result externref)))
          (func (export "run") (param externref) (result externref) (call $inc (local.get 0))))"#;
        let inc = HostFunc::new(
            FuncType::new([ValType::ExternRef], [ValType::ExternRef]),
            |_, params, results| {
                results[0] = match params[0] {
                    Val::ExternRef(Some(n)) => Val::ExternRef(Some(n + 1)),
                    other => other,
                };
                Ok(())
            },
        );
        let imports = [func("env", "inc", inc)];
        let Some((mut s, id)) = instance_if(engine, has_externref(engine), wat, &imports) else {
            return;
        };
        let s = s.as_mut();
        assert_eq!(call(s, id, "run", &[Val::ExternRef(Some(7))]), [Val::ExternRef(Some(8))]);
        assert_eq!(call(s, id, "run", &[Val::ExternRef(None)]), [Val::ExternRef(None)]);
    }
}

conformance! {
    fn a_host_function_with_several_results(engine) {
        let values = values_for(engine);
        let types: Vec<ValType> = values.iter().map(Val::ty).collect();
        // Returns its arguments reversed, with an externref's number doubled.
        let reverse = HostFunc::new(
            FuncType::new(types.clone(), types.iter().rev().copied()),
            |_, args, out| {
                for (o, a) in out.iter_mut().zip(args.iter().rev()) {
                    *o = match *a {
                        Val::ExternRef(Some(n)) => Val::ExternRef(Some(n * 2)),
                        v => v,
                    };
                }
                Ok(())
            },
        );
        let names = |t: &mut dyn Iterator<Item = &ValType>| {
            t.map(|t| t.to_string()).collect::<Vec<_>>().join(" ")
        };
        let gets: Vec<String> = (0..types.len()).map(|i| format!("local.get {i}")).collect();
        let wat = format!(
            r#"(module
              (type $t (func (param {}) (result {})))
              (import "env" "rev" (func $r (type $t)))
              (func (export "run") (type $t) {} call $r))"#,
            names(&mut types.iter()),
            names(&mut types.iter().rev()),
            gets.join(" ")
        );
        if name(engine) == "wasmer" {
            // Singlepass cannot import a function with more than one result (ENGINES.md): the
            // module is refused by the import's name.
            let err = assert_unsupported(engine, engine.compile(&wasm(&wat)));
            assert!(err.to_string().contains("env::rev"), "{err}");
            return;
        }
        let imports = [func("env", "rev", reverse)];
        let supported = engine.info().caps.multi_value;
        let Some((mut s, id)) = instance_if(engine, supported, &wat, &imports) else {
            return;
        };
        let expected: Vec<Val> = values
            .iter()
            .rev()
            .map(|v| match *v {
                Val::ExternRef(Some(n)) => Val::ExternRef(Some(n * 2)),
                v => v,
            })
            .collect();
        assert_eq!(call(s.as_mut(), id, "run", &values), expected);
    }
}

/// Upper-cases `len` bytes at `ptr` in the caller's memory and returns their sum.
fn upcase() -> HostFunc {
    HostFunc::new(
        FuncType::new([ValType::I32, ValType::I32], [ValType::I32]),
        |caller, params, results| {
            let [Val::I32(ptr), Val::I32(len)] = params else {
                unreachable!()
            };
            let memory = caller
                .memory()
                .ok_or_else(|| HostError::Message("no memory".into()))?;
            let bytes = memory
                .get_mut(*ptr as usize..(*ptr as usize + *len as usize))
                .ok_or(HostError::Trap(Trap::MemoryOutOfBounds))?;
            results[0] = Val::I32(bytes.iter().map(|&b| b as i32).sum());
            bytes.make_ascii_uppercase();
            Ok(())
        },
    )
}

const UPCASE_GUEST: &str = r#"(module
  (import "env" "upcase" (func $upcase (param i32 i32) (result i32)))
  (memory (export "MEMORY") 1)
  (data (i32.const 16) "hello")
  (func (export "run") (param i32 i32) (result i32) (call $upcase (local.get 0) (local.get 1)))
  (func (export "load") (param i32) (result i32) (i32.load8_u (local.get 0))))"#;

conformance! {
    fn host_reads_and_writes_guest_memory(engine) {
        let wat = UPCASE_GUEST.replace("MEMORY", "memory");
        let (mut s, id) = instance(engine, &wat, &[func("env", "upcase", upcase())]);
        let s = s.as_mut();
        let sum: i32 = b"hello".iter().map(|&b| b as i32).sum();
        assert_eq!(call(s, id, "run", &[Val::I32(16), Val::I32(5)]), [Val::I32(sum)]);
        for (i, c) in b"HELLO".iter().enumerate() {
            assert_eq!(call(s, id, "load", &[Val::I32(16 + i as i32)]), [Val::I32(*c as i32)]);
        }
        // A range past the memory's end is the host's to refuse; it stops the guest.
        let err = call_err(s, id, "run", &[Val::I32(65530), Val::I32(10)]);
        assert_eq!(err.as_trap(), Some(Trap::MemoryOutOfBounds), "{err}");
    }
}

conformance! {
    fn only_the_memory_exported_as_memory_is_lent(engine) {
        let wat = UPCASE_GUEST.replace("MEMORY", "heap");
        let (mut s, id) = instance(engine, &wat, &[func("env", "upcase", upcase())]);
        match call_err(s.as_mut(), id, "run", &[Val::I32(16), Val::I32(5)]) {
            Error::Trap { trap: Trap::HostError, detail: Some(d), .. } => assert_eq!(d, "no memory"),
            other => panic!("expected a host error, got {other}"),
        }
        assert_eq!(call(s.as_mut(), id, "load", &[Val::I32(16)]), [Val::I32(b'h' as i32)]);
    }
}

fn memory_probe() -> HostFunc {
    HostFunc::new(FuncType::new([], [ValType::I32]), |caller, _, results| {
        results[0] = Val::I32(caller.memory().map_or(-1, |m| m.len() as i32));
        Ok(())
    })
}

conformance! {
    fn caller_without_memory_sees_none(engine) {
        let wat = r#"(module
          (import "env" "probe" (func $p (result i32)))
          (func (export "run") (result i32) (call $p)))"#;
        let (mut s, id) = instance(engine, wat, &[func("env", "probe", memory_probe())]);
        assert_eq!(call(s.as_mut(), id, "run", &[]), [Val::I32(-1)]);
    }
}

conformance! {
    fn host_sees_memory_grown_by_the_guest(engine) {
        let wat = r#"(module
          (import "env" "probe" (func $p (result i32)))
          (memory 1)
          (export "memory" (memory 0))
          (func (export "run") (result i32) (drop (memory.grow (i32.const 2))) (call $p)))"#;
        let (mut s, id) = instance(engine, wat, &[func("env", "probe", memory_probe())]);
        assert_eq!(call(s.as_mut(), id, "run", &[]), [Val::I32(3 * 65536)]);
    }
}

const FAILING: &str = r#"(module
  (import "env" "fail" (func $fail (param i32)))
  (global $after (export "after") (mut i32) (i32.const 0))
  (func (export "run") (param i32) (call $fail (local.get 0)) (global.set $after (i32.const 1)))
  (func (export "ok") (result i32) (i32.const 5)))"#;

/// `env.fail`: fails as its argument says, or returns.
fn failing() -> HostFunc {
    HostFunc::new(
        FuncType::new([ValType::I32], []),
        |_, params, _| match params[0] {
            Val::I32(0) => Err(HostError::Trap(Trap::Timeout)),
            Val::I32(1) => Err(HostError::Trap(Trap::OutOfFuel)),
            Val::I32(2) => Err(HostError::Trap(Trap::Interrupted)),
            Val::I32(3) => Err(HostError::Exit(3)),
            Val::I32(4) => Err(HostError::Message("no such file".into())),
            Val::I32(5) => panic!("host bug"),
            _ => Ok(()),
        },
    )
}

conformance! {
    fn host_errors_come_back_as_raised(engine) {
        let (mut s, id) = instance(engine, FAILING, &[func("env", "fail", failing())]);
        let s = s.as_mut();
        for (arg, trap) in [(0, Trap::Timeout), (1, Trap::OutOfFuel), (2, Trap::Interrupted)] {
            let err = call_err(s, id, "run", &[Val::I32(arg)]);
            assert_eq!(err.as_trap(), Some(trap), "{err}");
        }
        let err = call_err(s, id, "run", &[Val::I32(3)]);
        assert!(matches!(err, Error::Exit(3)), "{err}");
        match call_err(s, id, "run", &[Val::I32(4)]) {
            Error::Trap { trap: Trap::HostError, detail, .. } => {
                assert_eq!(detail.as_deref(), Some("no such file"))
            }
            other => panic!("expected a host error, got {other}"),
        }
        // The guest stopped at the failing call, and the store still works.
        assert_eq!(s.global_get(id, "after"), Some(Val::I32(0)));
        assert_eq!(call(s, id, "ok", &[]), [Val::I32(5)]);
        call(s, id, "run", &[Val::I32(9)]);
        assert_eq!(s.global_get(id, "after"), Some(Val::I32(1)));
    }
}

conformance! {
    fn host_panics_become_host_errors(engine) {
        let (mut s, id) = instance(engine, FAILING, &[func("env", "fail", failing())]);
        let s = s.as_mut();
        match call_err(s, id, "run", &[Val::I32(5)]) {
            Error::Trap { trap: Trap::HostError, detail: Some(d), .. } => {
                assert!(d.contains("host function panicked") && d.contains("host bug"), "{d}")
            }
            other => panic!("expected a host error, got {other}"),
        }
        assert_eq!(call(s, id, "ok", &[]), [Val::I32(5)]);
        call(s, id, "run", &[Val::I32(9)]);
        assert_eq!(s.global_get(id, "after"), Some(Val::I32(1)));
    }
}

conformance! {
    /// `HostFunc::call` catches every panic, whatever its payload and wherever the guest calls
    /// from: a call, or the start function during instantiation.
    fn a_panic_with_any_payload_stops_only_the_guest(engine) {
        let odd = HostFunc::new(FuncType::new([ValType::I32], []), |_, params, _| match params[0] {
            Val::I32(0) => std::panic::panic_any(42_u32),
            Val::I32(1) => panic!("formatted {}", "message"),
            _ => Ok(()),
        });
        let (mut s, id) = instance(engine, FAILING, &[func("env", "fail", odd.clone())]);
        let s = s.as_mut();
        for (arg, text) in [(0, "(no message)"), (1, "formatted message")] {
            match call_err(s, id, "run", &[Val::I32(arg)]) {
                Error::Trap { trap: Trap::HostError, detail: Some(d), .. } => {
                    assert_eq!(d, format!("host function panicked: {text}"))
                }
                other => panic!("expected a host error, got {other}"),
            }
            assert_eq!(s.global_get(id, "after"), Some(Val::I32(0)));
        }
        call(s, id, "run", &[Val::I32(2)]);
        assert_eq!(s.global_get(id, "after"), Some(Val::I32(1)));

        let start = r#"(module
          (import "env" "fail" (func $f (param i32)))
          (func $start (call $f (i32.const 1)))
          (start $start))"#;
        match try_instantiate(engine, s, start, &[func("env", "fail", odd)]) {
            Err(Error::Trap { trap: Trap::HostError, detail: Some(d), .. }) => {
                assert_eq!(d, "host function panicked: formatted message")
            }
            other => panic!("expected a host error, got {other:?}"),
        }
        assert_eq!(call(s, id, "ok", &[]), [Val::I32(5)]);
    }
}

conformance! {
    fn host_result_of_the_wrong_type_is_a_host_error(engine) {
        let liar = HostFunc::new(FuncType::new([], [ValType::I32]), |_, _, results| {
            results[0] = Val::I64(1);
            Ok(())
        });
        let wat = r#"(module (import "env" "liar" (func $l (result i32)))
          (func (export "run") (result i32) (call $l)))"#;
        let (mut s, id) = instance(engine, wat, &[func("env", "liar", liar)]);
        let err = call_err(s.as_mut(), id, "run", &[]);
        assert_eq!(err.as_trap(), Some(Trap::HostError), "{err}");
    }
}

conformance! {
    fn host_error_in_the_start_function(engine) {
        let wat = r#"(module
          (import "env" "fail" (func $f (param i32)))
          (func $start (call $f (i32.const STATUS)))
          (start $start))"#;
        let mut s = store(engine);
        let exit = wat.replace("STATUS", "3");
        let err = try_instantiate(engine, s.as_mut(), &exit, &[func("env", "fail", failing())]);
        assert!(matches!(err, Err(Error::Exit(3))), "{err:?}");
        let message = wat.replace("STATUS", "4");
        match try_instantiate(engine, s.as_mut(), &message, &[func("env", "fail", failing())]) {
            Err(Error::Trap { trap: Trap::HostError, detail: Some(d), .. }) => {
                assert!(d.contains("no such file"), "{d}")
            }
            other => panic!("expected a host error, got {other:?}"),
        }
    }
}

const TWO_IMPORTS: &str = r#"(module
  (import "env" "a" (func $a (result i32)))
  (import "env" "b" (func $b (param i32)))
  (func (export "a") (result i32) (call $a))
  (func (export "b") (call $b (i32.const 1))))"#;

fn constant(n: i32) -> HostFunc {
    HostFunc::new(FuncType::new([], [ValType::I32]), move |_, _, results| {
        results[0] = Val::I32(n);
        Ok(())
    })
}

fn sink() -> HostFunc {
    HostFunc::new(FuncType::new([ValType::I32], []), |_, _, _| Ok(()))
}

conformance! {
    /// Stores take one import per module import, in order; what is missing is the caller's to
    /// name (the facade does, crates/wasmux/tests/bad_input.rs).
    fn an_import_list_of_the_wrong_length(engine) {
        let mut s = store(engine);
        let one = [func("env", "a", constant(1))];
        let three = [func("env", "a", constant(1)), func("env", "b", sink()), func("env", "c", sink())];
        for (given, list) in [(0, &[][..]), (1, &one[..]), (3, &three[..])] {
            match try_instantiate(engine, s.as_mut(), TWO_IMPORTS, list) {
                Err(Error::ImportCount { expected: 2, given: g }) => assert_eq!(g, given),
                other => panic!("{given} imports: expected ImportCount, got {other:?}"),
            }
        }
        // The refusals left the store as it was.
        let id = instantiate(engine, s.as_mut(), TWO_IMPORTS, &three[..2]);
        assert_eq!(call(s.as_mut(), id, "a", &[]), [Val::I32(1)]);
    }
}

conformance! {
    /// The list's labels are the caller's; each entry satisfies the import at its position.
    fn imports_link_by_position(engine) {
        let wat = r#"(module
          (import "env" "f" (func $first (result i32)))
          (import "env" "f" (func $second (result i32)))
          (func (export "run") (result i32)
            (i32.add (i32.mul (call $first) (i32.const 10)) (call $second))))"#;
        let imports = [func("env", "f", constant(4)), func("env", "f", constant(2))];
        let (mut s, id) = instance(engine, wat, &imports);
        assert_eq!(call(s.as_mut(), id, "run", &[]), [Val::I32(42)]);
        let swapped = [func("env", "f", constant(2)), func("env", "f", constant(4))];
        let (mut s, id) = instance(engine, wat, &swapped);
        assert_eq!(call(s.as_mut(), id, "run", &[]), [Val::I32(24)]);

        // Kinds interleaved: some engines take imports grouped by kind, which is the adapter's
        // to translate.
        let s = s.as_mut();
        let lib = r#"(module (global (export "x") i32 (i32.const 3))
          (global (export "y") i32 (i32.const 5)))"#;
        let lib = instantiate(engine, s, lib, &[]);
        let wat = r#"(module
          (import "lib" "x" (global $x i32))
          (import "env" "f" (func $f (result i32)))
          (import "lib" "y" (global $y i32))
          (func (export "run") (result i32)
            (i32.add (i32.mul (global.get $x) (call $f)) (global.get $y))))"#;
        let imports = [
            ext("lib", "x", s.export(lib, "x").unwrap()),
            func("env", "f", constant(100)),
            ext("lib", "y", s.export(lib, "y").unwrap()),
        ];
        let id = instantiate(engine, s, wat, &imports);
        assert_eq!(call(s, id, "run", &[]), [Val::I32(305)]);
    }
}

conformance! {
    fn a_host_function_of_the_wrong_type_at_its_position(engine) {
        let mut s = store(engine);
        let wrong_type = HostFunc::new(FuncType::new([ValType::I64], []), |_, _, _| Ok(()));
        let imports = [func("env", "a", constant(1)), func("env", "b", wrong_type)];
        match try_instantiate(engine, s.as_mut(), TWO_IMPORTS, &imports) {
            Err(Error::IncompatibleImport { module, name, .. }) => {
                assert_eq!((module.as_str(), name.as_str()), ("env", "b"))
            }
            other => panic!("expected IncompatibleImport, got {other:?}"),
        }
        // The entries in the wrong order: each is a function of the other's type.
        let swapped = [func("env", "a", sink()), func("env", "b", constant(1))];
        match try_instantiate(engine, s.as_mut(), TWO_IMPORTS, &swapped) {
            Err(Error::IncompatibleImport { module, name, .. }) => {
                assert_eq!(module, "env");
                assert!(name == "a" || name == "b", "{name}");
            }
            other => panic!("expected IncompatibleImport, got {other:?}"),
        }
        // A function where the module imports a global.
        let global = r#"(module (import "env" "g" (global i32)))"#;
        match try_instantiate(engine, s.as_mut(), global, &[func("env", "g", sink())]) {
            Err(Error::IncompatibleImport { module, name, .. }) => {
                assert_eq!((module.as_str(), name.as_str()), ("env", "g"))
            }
            other => panic!("expected IncompatibleImport, got {other:?}"),
        }
        let ok = [func("env", "a", constant(7)), func("env", "b", sink())];
        let id = instantiate(engine, s.as_mut(), TWO_IMPORTS, &ok);
        assert_eq!(call(s.as_mut(), id, "a", &[]), [Val::I32(7)]);
        call(s.as_mut(), id, "b", &[]);
    }
}

conformance! {
    fn the_same_import_twice_links_both(engine) {
        let calls = Arc::new(AtomicU32::new(0));
        let counter = calls.clone();
        let tick = HostFunc::new(FuncType::default(), move |_, _, _| {
            counter.fetch_add(1, Ordering::SeqCst);
            Ok(())
        });
        let wat = r#"(module
          (import "env" "tick" (func $a))
          (import "env" "tick" (func $b))
          (func (export "run") (call $a) (call $b)))"#;
        let imports = [func("env", "tick", tick.clone()), func("env", "tick", tick)];
        let (mut s, id) = instance(engine, wat, &imports);
        call(s.as_mut(), id, "run", &[]);
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }
}
