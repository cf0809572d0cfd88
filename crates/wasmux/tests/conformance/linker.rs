//! The facade's `Linker` on every engine: modules importing from `ns/dep` instances of one
//! store, with the runtime's limits holding across the link.

use crate::support::*;
use std::time::{Duration, Instant};
use wasmux::adapter::Engine;
use wasmux::{
    Error, ErrorKind, GlobalType, Linker, Module, PreparedModule, Runtime, RuntimeBuilder, Trap,
    Val, ValType,
};

fn builder(engine: &dyn Engine) -> RuntimeBuilder {
    Runtime::builder().engine(name(engine))
}

fn prepare(runtime: &Runtime, name: &str, wat: &str) -> PreparedModule {
    let module = Module::from_bytes(name, wat.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    runtime
        .prepare(&module)
        .unwrap_or_else(|e| panic!("{}: {e}", runtime.engine().info().name))
}

/// A linker with `dep` registered as `ns/dep`.
fn with_dep(runtime: &Runtime, dep: &str) -> Linker {
    let mut linker = runtime.linker().unwrap();
    let dep = prepare(runtime, "dep.wat", dep);
    linker.instantiate("ns/dep", &dep).unwrap();
    linker
}

const DEP: &str = r#"(module
  (global $calls (mut i32) (i32.const 0))
  (func (export "double") (param i32) (result i32)
    (global.set $calls (i32.add (global.get $calls) (i32.const 1)))
    (i32.mul (local.get 0) (i32.const 2)))
  (func (export "calls") (result i32) (global.get $calls))
  ;; Sums 1..n in a loop: fuel grows with n.
  (func (export "sum") (param $n i32) (result i32) (local $acc i32)
    (block $done (loop $next
      (br_if $done (i32.eqz (local.get $n)))
      (local.set $acc (i32.add (local.get $acc) (local.get $n)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br $next)))
    (local.get $acc))
  (func (export "spin") (loop $l (br $l)))
  (func (export "boom") (unreachable))
  (func $rec (export "rec") (param i32) (call $rec (i32.add (local.get 0) (i32.const 1)))))"#;

const APP: &str = r#"(module
  (import "ns/dep" "double" (func $double (param i32) (result i32)))
  (import "ns/dep" "sum" (func $sum (param i32) (result i32)))
  (import "ns/dep" "spin" (func $spin))
  (import "ns/dep" "boom" (func $boom))
  (import "ns/dep" "rec" (func $rec (param i32)))
  (func (export "run") (param i32) (result i32) (call $double (local.get 0)))
  (func (export "sum") (param i32) (result i32) (call $sum (local.get 0)))
  (func (export "spin") (call $spin))
  (func (export "boom") (call $boom))
  (func (export "rec") (call $rec (i32.const 0))))"#;

conformance! {
    fn a_function_import_comes_from_a_dependency(engine) {
        let runtime = builder(engine).build().unwrap();
        let mut linker = with_dep(&runtime, DEP);
        let app = linker.instantiate("app", &prepare(&runtime, "app.wat", APP)).unwrap();
        assert_eq!(linker.call(app, "run", &[Val::I32(21)]).unwrap(), [Val::I32(42)]);
        let dep = linker.instance("ns/dep").unwrap();
        assert_eq!(linker.call(dep, "calls", &[]).unwrap(), [Val::I32(1)]);
        assert_eq!(linker.name(app).unwrap(), Some("app"));
        // An export can also be provided under another name.
        linker.define("alias", "twice", dep, "double").unwrap();
        let other = r#"(module (import "alias" "twice" (func $t (param i32) (result i32)))
          (func (export "run") (result i32) (call $t (i32.const 4))))"#;
        let other = linker.instantiate("other", &prepare(&runtime, "other.wat", other)).unwrap();
        assert_eq!(linker.call(other, "run", &[]).unwrap(), [Val::I32(8)]);
        assert_eq!(linker.call(dep, "calls", &[]).unwrap(), [Val::I32(2)]);
        // An unnamed instance is reached by its handle, and by name once registered; a
        // registration replaces the one before it.
        let anon = linker.instantiate_unnamed(&prepare(&runtime, "dep2.wat", DEP)).unwrap();
        assert_eq!(linker.name(anon).unwrap(), None);
        linker.register("ns/dep", anon).unwrap();
        assert_eq!(linker.instance("ns/dep"), Some(anon));
        let third = linker.instantiate("third", &prepare(&runtime, "app.wat", APP)).unwrap();
        linker.call(third, "run", &[Val::I32(1)]).unwrap();
        assert_eq!(linker.call(anon, "calls", &[]).unwrap(), [Val::I32(1)]);
        assert_eq!(linker.call(dep, "calls", &[]).unwrap(), [Val::I32(2)]);
        // A name is registered once by `instantiate`; an instance of another linker is refused.
        let again = linker.instantiate("app", &prepare(&runtime, "app.wat", APP));
        assert!(again.is_err());
        let mut second = runtime.linker().unwrap();
        assert!(second.call(app, "run", &[Val::I32(1)]).is_err());
    }
}

const PROVIDER: &str = r#"(module
  (memory (export "memory") 1)
  (table (export "table") 2 funcref)
  (global (export "counter") (mut i32) (i32.const 10))
  (func $forty_two (result i32) i32.const 42)
  (elem (i32.const 0) $forty_two)
  (func (export "read") (param i32) (result i32) (i32.load (local.get 0)))
  (func (export "get_counter") (result i32) (global.get 0)))"#;

const CONSUMER: &str = r#"(module
  (import "ns/dep" "memory" (memory 1))
  (import "ns/dep" "table" (table 2 funcref))
  (import "ns/dep" "counter" (global $counter (mut i32)))
  (func (export "poke") (param i32 i32) (i32.store (local.get 0) (local.get 1)))
  (func (export "slot") (param i32) (result i32) (call_indirect (result i32) (local.get 0)))
  (func (export "bump") (global.set $counter (i32.add (global.get $counter) (i32.const 1))))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))"#;

/// wasm3 gives every instance its own memory, table and globals (ENGINES.md): it refuses the
/// consumer, as `Unsupported`, when it parses it (wasm3 0.3 misreads what follows a table
/// import) or else when it links it, naming the import.
fn assert_refused(runtime: &Runtime, linker: &mut Linker) {
    let module = Module::from_bytes("consumer.wat", CONSUMER.as_bytes()).unwrap();
    let err = match runtime.prepare(&module) {
        Err(e) => e,
        Ok(consumer) => {
            let err = linker.instantiate("app", &consumer).unwrap_err();
            assert!(err.to_string().contains("ns/dep::memory"), "{err}");
            err
        }
    };
    assert_eq!(err.kind(), ErrorKind::Unsupported, "{err}");
    let memory_only = r#"(module (import "ns/dep" "memory" (memory 1)))"#;
    let memory_only = prepare(runtime, "memory.wat", memory_only);
    let err = linker.instantiate("app", &memory_only).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unsupported, "{err}");
    assert!(err.to_string().contains("ns/dep::memory"), "{err}");
}

conformance! {
    fn memories_tables_and_globals_come_from_a_dependency(engine) {
        let runtime = builder(engine).build().unwrap();
        let mut linker = with_dep(&runtime, PROVIDER);
        if !engine.info().caps.cross_instance_linking {
            assert_refused(&runtime, &mut linker);
            return;
        }
        let consumer = prepare(&runtime, "consumer.wat", CONSUMER);
        let app = linker.instantiate("app", &consumer).unwrap();
        let dep = linker.instance("ns/dep").unwrap();
        linker.call(app, "poke", &[Val::I32(8), Val::I32(0x1234)]).unwrap();
        assert_eq!(linker.call(dep, "read", &[Val::I32(8)]).unwrap(), [Val::I32(0x1234)]);
        assert_eq!(linker.call(app, "slot", &[Val::I32(0)]).unwrap(), [Val::I32(42)]);
        linker.call(app, "bump", &[]).unwrap();
        assert_eq!(linker.call(dep, "get_counter", &[]).unwrap(), [Val::I32(11)]);
    }
}

conformance! {
    /// The cap the dependency's memory was given holds for the module that imports it.
    fn an_imported_memory_keeps_its_cap(engine) {
        let runtime = builder(engine).max_memory(2 * 65536).build().unwrap();
        let mut linker = with_dep(&runtime, PROVIDER);
        if !engine.info().caps.cross_instance_linking {
            assert_refused(&runtime, &mut linker);
            return;
        }
        let consumer = prepare(&runtime, "consumer.wat", CONSUMER);
        let app = linker.instantiate("app", &consumer).unwrap();
        assert_eq!(linker.call(app, "grow", &[Val::I32(1)]).unwrap(), [Val::I32(1)]);
        assert_eq!(linker.call(app, "grow", &[Val::I32(1)]).unwrap(), [Val::I32(-1)]);
        assert_eq!(linker.call(app, "grow", &[Val::I32(100)]).unwrap(), [Val::I32(-1)]);
        assert_eq!(linker.last_call_stats().peak_memory_bytes, 0, "the app exports no memory");
    }
}

/// What `sum(100)` costs, called directly and through the app's import.
const SUM_100: u64 = 1204;
const SUM_100_VIA_APP: u64 = 1210;

conformance! {
    /// One tank for the whole linker: what a call runs in the dependency is charged to it, the
    /// same on every engine, and the dependency cannot run past what the caller has left.
    fn fuel_is_charged_across_the_link_from_one_tank(engine) {
        let runtime = builder(engine).fuel(1_000_000).build().unwrap();
        let mut linker = with_dep(&runtime, DEP);
        let app = linker.instantiate("app", &prepare(&runtime, "app.wat", APP)).unwrap();
        let dep = linker.instance("ns/dep").unwrap();
        let before = linker.fuel_remaining().unwrap();
        assert_eq!(linker.call(dep, "sum", &[Val::I32(100)]).unwrap(), [Val::I32(5050)]);
        let direct = linker.last_call_stats().fuel_consumed.unwrap();
        assert_eq!(linker.call(app, "sum", &[Val::I32(100)]).unwrap(), [Val::I32(5050)]);
        let via_app = linker.last_call_stats().fuel_consumed.unwrap();
        assert!(via_app > direct, "{via_app} <= {direct}");
        assert_eq!((direct, via_app), (SUM_100, SUM_100_VIA_APP), "{}", name(engine));
        assert_eq!(linker.fuel_remaining().unwrap(), before - direct - via_app);
        // A tank that covers the app's part but not the dependency's loop runs out inside
        // the dependency.
        linker.set_fuel(via_app - 1).unwrap();
        let err = linker.call(app, "sum", &[Val::I32(100)]).unwrap_err();
        assert_eq!(err.as_trap(), Some(Trap::OutOfFuel), "{err}");
        linker.set_fuel(via_app).unwrap();
        assert_eq!(linker.call(app, "sum", &[Val::I32(100)]).unwrap(), [Val::I32(5050)]);
        assert_eq!(linker.fuel_remaining(), Some(0));
    }
}

conformance! {
    fn a_timeout_stops_a_loop_in_the_dependency(engine) {
        let timeout = Duration::from_millis(200);
        let runtime = builder(engine).timeout(timeout).build().unwrap();
        let mut linker = with_dep(&runtime, DEP);
        let app = linker.instantiate("app", &prepare(&runtime, "app.wat", APP)).unwrap();
        let started = Instant::now();
        let err = linker.call(app, "spin", &[]).unwrap_err();
        assert_eq!(err.as_trap(), Some(Trap::Timeout), "{err}");
        assert!(started.elapsed() < Duration::from_secs(30));
        // A cancel from another thread stops it too, and the linker goes on.
        let runtime = builder(engine).interruptible(true).build().unwrap();
        let mut quiet = with_dep(&runtime, DEP);
        let app2 = quiet.instantiate("app", &prepare(&runtime, "app.wat", APP)).unwrap();
        let cancel2 = quiet.cancel_handle();
        let stopper = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(100));
            cancel2.cancel();
        });
        let err = quiet.call(app2, "spin", &[]).unwrap_err();
        stopper.join().unwrap();
        assert_eq!(err.as_trap(), Some(Trap::Interrupted), "{err}");
        assert_eq!(linker.call(app, "run", &[Val::I32(2)]).unwrap(), [Val::I32(4)]);
    }
}

conformance! {
    fn missing_and_mistyped_imports_are_named(engine) {
        let runtime = builder(engine).build().unwrap();
        let mut linker = with_dep(&runtime, DEP);
        let missing = r#"(module (import "ns/dep" "nope" (func (param i32))))"#;
        let err = linker.instantiate("a", &prepare(&runtime, "a.wat", missing)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::UnresolvedImports, "{err}");
        assert!(err.to_string().contains("ns/dep::nope"), "{err}");
        let mistyped = r#"(module (import "ns/dep" "double" (func (param i64) (result i32))))"#;
        match linker.instantiate("b", &prepare(&runtime, "b.wat", mistyped)) {
            Err(Error::MistypedImport { module, name, expected, found, .. }) => {
                assert_eq!((module.as_str(), name.as_str()), ("ns/dep", "double"));
                assert_eq!(expected, "a function (i64) -> (i32)");
                assert_eq!(found, "a function (i32) -> (i32)");
            }
            other => panic!("expected MistypedImport, got {other:?}"),
        }
        let wrong_kind = r#"(module (import "ns/dep" "double" (global i32)))"#;
        match linker.instantiate("c", &prepare(&runtime, "c.wat", wrong_kind)) {
            Err(Error::MistypedImport { expected, found, .. }) => {
                assert_eq!(expected, "a global i32");
                assert_eq!(found, "a function (i32) -> (i32)");
            }
            other => panic!("expected MistypedImport, got {other:?}"),
        }
        // A global the host made in the linker's store is checked the same way.
        let ty = GlobalType { content: ValType::I32, mutable: false };
        linker.define_global("host", "g", ty, Val::I32(7)).unwrap();
        let wrong_global = r#"(module (import "host" "g" (global i64)))"#;
        match linker.instantiate("d", &prepare(&runtime, "d.wat", wrong_global)) {
            Err(Error::MistypedImport { expected, found, .. }) => {
                assert_eq!((expected.as_str(), found.as_str()), ("a global i64", "a global i32"));
            }
            other => panic!("expected MistypedImport, got {other:?}"),
        }
        let right_global = r#"(module (import "host" "g" (global $g i32))
          (func (export "g") (result i32) (global.get $g)))"#;
        let e = linker.instantiate("e", &prepare(&runtime, "e.wat", right_global)).unwrap();
        assert_eq!(linker.call(e, "g", &[]).unwrap(), [Val::I32(7)]);
        // Without a linker the dependency is missing, named the same way.
        let app = prepare(&runtime, "app.wat", APP);
        let err = app.instantiate().unwrap_err();
        assert!(err.to_string().contains("ns/dep::double"), "{err}");
    }
}

conformance! {
    /// Two modules share one instance of their dependency: its state is one.
    fn a_diamond_shares_one_dependency_instance(engine) {
        let runtime = builder(engine).fuel(1_000_000).build().unwrap();
        let mut linker = with_dep(&runtime, DEP);
        let side = r#"(module (import "ns/dep" "double" (func $d (param i32) (result i32)))
          (func (export "go") (result i32) (call $d (i32.const 1))))"#;
        linker.instantiate("left", &prepare(&runtime, "left.wat", side)).unwrap();
        linker.instantiate("right", &prepare(&runtime, "right.wat", side)).unwrap();
        let top = r#"(module
          (import "left" "go" (func $l (result i32)))
          (import "right" "go" (func $r (result i32)))
          (func (export "go") (result i32) (i32.add (call $l) (call $r))))"#;
        let top = linker.instantiate("top", &prepare(&runtime, "top.wat", top)).unwrap();
        assert_eq!(linker.call(top, "go", &[]).unwrap(), [Val::I32(4)]);
        let dep = linker.instance("ns/dep").unwrap();
        assert_eq!(linker.call(dep, "calls", &[]).unwrap(), [Val::I32(2)]);
    }
}

conformance! {
    /// A dependency that traps or recurses without end stops the call, not the host, and
    /// the linker goes on.
    fn a_hostile_dependency_is_contained(engine) {
        let runtime = builder(engine).fuel(1 << 40).timeout(Duration::from_secs(60)).build().unwrap();
        let mut linker = with_dep(&runtime, DEP);
        let app = linker.instantiate("app", &prepare(&runtime, "app.wat", APP)).unwrap();
        let err = linker.call(app, "boom", &[]).unwrap_err();
        assert_eq!(err.as_trap(), Some(Trap::Unreachable), "{err}");
        let err = linker.call(app, "rec", &[]).unwrap_err();
        assert_eq!(err.as_trap(), Some(Trap::StackOverflow), "{err}");
        assert_eq!(linker.call(app, "run", &[Val::I32(5)]).unwrap(), [Val::I32(10)]);
        if !engine.info().caps.cross_instance_linking {
            return;
        }
        // Recursion back and forth through the link: the app's function sits in the
        // dependency's table and calls the dependency, which calls it again.
        let bouncer = r#"(module
          (table (export "table") 1 funcref)
          (func (export "bounce") (param i32) (call_indirect (param i32) (local.get 0) (i32.const 0))))"#;
        let mut linker = with_dep(&runtime, bouncer);
        let pong = r#"(module
          (import "ns/dep" "table" (table 1 funcref))
          (import "ns/dep" "bounce" (func $bounce (param i32)))
          (elem (i32.const 0) $down)
          (func $down (param i32) (call $bounce (i32.add (local.get 0) (i32.const 1))))
          (func (export "go") (call $down (i32.const 0))))"#;
        let pong = linker.instantiate("pong", &prepare(&runtime, "pong.wat", pong)).unwrap();
        let err = linker.call(pong, "go", &[]).unwrap_err();
        assert_eq!(err.as_trap(), Some(Trap::StackOverflow), "{err}");
    }
}
