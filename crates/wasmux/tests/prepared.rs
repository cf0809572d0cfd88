//! Compile once, instantiate many: prepared modules, per-instance state, per-call cancels.

mod common;
use common::*;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;
use wasmux::{
    CacheOutcome, CancelHandle, Error, ErrorKind, FuncType, HostFunc, Instance, Module,
    PreparedModule, Runtime, Trap, Val, ValType,
};

#[test]
fn public_types_say_which_threads_may_hold_them() {
    fn send_sync<T: Send + Sync>() {}
    fn send<T: Send>() {}
    send_sync::<Runtime>();
    send_sync::<PreparedModule>();
    send_sync::<Module>();
    send_sync::<CancelHandle>();
    send_sync::<Error>();
    send_sync::<HostFunc>();
    send::<Instance>();
}

const CELL: &str = r#"(module
  (memory (export "memory") 1)
  (global $calls (mut i32) (i32.const 0))
  (func (export "put") (param i32)
    (global.set $calls (i32.add (global.get $calls) (i32.const 1)))
    (i32.store (i32.const 64) (local.get 0)))
  (func (export "get") (result i32) (i32.load (i32.const 64)))
  (func (export "calls") (result i32) (global.get $calls)))"#;

fn get(inst: &mut Instance, func: &str) -> i32 {
    match inst.call(func, &[]).unwrap().as_slice() {
        [Val::I32(v)] => *v,
        other => panic!("{func} returned {other:?}"),
    }
}

#[test]
fn a_prepared_module_instantiates_from_many_threads_each_instance_apart() {
    for engine in engines() {
        let runtime = Runtime::builder().engine(&engine).build().unwrap();
        let prepared = runtime.prepare(&module(CELL)).unwrap();
        let workers: Vec<_> = (1..=2)
            .map(|thread| {
                let prepared = prepared.clone();
                std::thread::spawn(move || {
                    for round in 0..3 {
                        let mut inst = prepared.instantiate().unwrap();
                        // A new instance starts from the module's initial state, whatever
                        // another instance of the same code did.
                        assert_eq!(get(&mut inst, "get"), 0);
                        assert_eq!(get(&mut inst, "calls"), 0);
                        let value = thread * 100 + round;
                        inst.call("put", &[Val::I32(value)]).unwrap();
                        assert_eq!(get(&mut inst, "get"), value);
                    }
                })
            })
            .collect();
        for worker in workers {
            worker
                .join()
                .unwrap_or_else(|_| panic!("{engine}: a worker failed"));
        }
        assert_eq!(prepared.name(), "test.wat");
    }
}

const COUNTER: &str = r#"(module
  (import "host" "next" (func $next (result i32)))
  (func (export "next") (result i32) (call $next)))"#;

fn counter() -> HostFunc {
    let count = Arc::new(AtomicU32::new(0));
    HostFunc::new(FuncType::new([], [ValType::I32]), move |_, _, results| {
        results[0] = Val::I32(count.fetch_add(1, Ordering::Relaxed) as i32 + 1);
        Ok(())
    })
}

#[test]
fn host_functions_made_per_instance_keep_state_apart() {
    for engine in engines() {
        let made = Arc::new(AtomicU32::new(0));
        let counted = made.clone();
        let runtime = Runtime::builder()
            .engine(&engine)
            .funcs_per_instance(move || {
                counted.fetch_add(1, Ordering::Relaxed);
                Ok(vec![("host".into(), "next".into(), counter())])
            })
            .build()
            .unwrap();
        let prepared = runtime.prepare(&module(COUNTER)).unwrap();
        assert_eq!(
            made.load(Ordering::Relaxed),
            0,
            "{engine}: made before any instance"
        );
        let mut first = prepared.instantiate().unwrap();
        let mut second = prepared.instantiate().unwrap();
        assert_eq!(made.load(Ordering::Relaxed), 2, "{engine}");
        assert_eq!(get(&mut first, "next"), 1, "{engine}");
        assert_eq!(get(&mut first, "next"), 2, "{engine}");
        assert_eq!(get(&mut second, "next"), 1, "{engine}");
    }
}

#[test]
fn a_shared_host_function_is_shared_by_all_instances() {
    for engine in engines() {
        let runtime = Runtime::builder()
            .engine(&engine)
            .func("host", "next", counter())
            .build()
            .unwrap();
        let prepared = runtime.prepare(&module(COUNTER)).unwrap();
        let mut first = prepared.instantiate().unwrap();
        let mut second = prepared.instantiate().unwrap();
        assert_eq!(get(&mut first, "next"), 1, "{engine}");
        assert_eq!(get(&mut second, "next"), 2, "{engine}");
    }
}

#[test]
fn missing_imports_are_named_when_instantiating() {
    for engine in engines() {
        // Nothing the runtime has provides the import, but an instance of a linker might:
        // preparing succeeds, instantiating alone names what is missing.
        let runtime = Runtime::builder().engine(&engine).build().unwrap();
        let prepared = runtime.prepare(&module(COUNTER)).unwrap();
        let err = prepared.instantiate().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::UnresolvedImports, "{engine}: {err}");
        assert!(err.to_string().contains("host::next"), "{engine}: {err}");

        // Functions made per instance might: the instance that lacks it says so.
        let runtime = Runtime::builder()
            .engine(&engine)
            .funcs_per_instance(|| Ok(Vec::new()))
            .build()
            .unwrap();
        let prepared = runtime.prepare(&module(COUNTER)).unwrap();
        let err = prepared.instantiate().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::UnresolvedImports, "{engine}: {err}");

        // One of the wrong type is refused with both types named.
        let runtime = Runtime::builder()
            .engine(&engine)
            .funcs_per_instance(|| {
                let wrong = HostFunc::new(FuncType::new([ValType::I64], []), |_, _, _| Ok(()));
                Ok(vec![("host".into(), "next".into(), wrong)])
            })
            .build()
            .unwrap();
        let err = runtime.instantiate(&module(COUNTER)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::MistypedImport, "{engine}: {err}");
        assert!(err.to_string().contains("(i64)"), "{engine}: {err}");
    }
}

#[test]
fn a_failing_per_instance_setup_fails_that_instantiation_only() {
    for engine in engines() {
        let calls = Arc::new(AtomicU32::new(0));
        let seen = calls.clone();
        let runtime = Runtime::builder()
            .engine(&engine)
            .funcs_per_instance(move || {
                if seen.fetch_add(1, Ordering::Relaxed) == 0 {
                    return Err(Error::InstanceSetup("the first setup fails".into()));
                }
                Ok(vec![("host".into(), "next".into(), counter())])
            })
            .build()
            .unwrap();
        let prepared = runtime.prepare(&module(COUNTER)).unwrap();
        let err = prepared.instantiate().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InstanceSetup, "{engine}: {err}");
        assert_eq!(get(&mut prepared.instantiate().unwrap(), "next"), 1);
    }
}

const LOOPS: &str = r#"(module
  (func (export "spin") (loop $l (br $l)))
  (func (export "count") (param i32) (result i32) (local $i i32)
    (loop $l
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get 0))))
    (local.get $i)))"#;

#[test]
fn a_cancel_stops_the_call_it_was_made_during_and_no_later_one() {
    for engine in engines() {
        let mut inst = interruptible_instance(&engine, LOOPS);
        let count = [Val::I32(100_000)];

        // Made between calls, it reaches nothing.
        inst.cancel_handle().cancel();
        assert_eq!(inst.call("count", &count).unwrap(), vec![Val::I32(100_000)]);

        // Made during a call, it stops that call; the next runs to its end.
        let canceller = cancel_after(&inst, Duration::from_millis(20));
        assert_eq!(trap_of(&engine, inst.call("spin", &[])), Trap::Interrupted);
        canceller.join().unwrap();
        assert_eq!(
            inst.call("count", &count).unwrap(),
            vec![Val::I32(100_000)],
            "{engine}: a cancelled call poisoned the next one"
        );
    }
}

#[test]
fn a_batch_runs_every_job_once_and_returns_results_in_order() {
    for engine in engines() {
        let runtime = Runtime::builder().engine(&engine).build().unwrap();
        let prepared = runtime.prepare(&module(CELL)).unwrap();
        let put_then_count = |inst: &mut Instance, job: usize| {
            inst.call("put", &[Val::I32(job as i32)])?;
            Ok((get(inst, "get"), get(inst, "calls")))
        };
        let results = prepared.batch().threads(2).run(50, put_then_count);
        let results: Vec<(i32, i32)> = results.into_iter().map(Result::unwrap).collect();
        for (job, (value, _)) in results.iter().enumerate() {
            assert_eq!(*value, job as i32, "{engine}");
        }
        // Reused per thread: the two threads' instances saw all 50 calls between them.
        let most: i32 = results.iter().map(|(_, calls)| *calls).max().unwrap();
        assert!(most >= 25, "{engine}: {results:?}");

        // Fresh per job: every job starts from the initial state.
        let fresh = prepared
            .batch()
            .threads(2)
            .fresh_instance_per_job(true)
            .run(20, put_then_count);
        assert!(
            fresh.into_iter().all(|r| r.unwrap().1 == 1),
            "{engine}: a job saw another's calls"
        );
    }
}

#[test]
fn a_runtime_counts_what_it_did_and_exposes_it_for_prometheus() {
    for engine in engines() {
        let runtime = Runtime::builder().engine(&engine).build().unwrap();
        let prepared = runtime.prepare(&module(LOOPS)).unwrap();
        for _ in 0..3 {
            let mut inst = prepared.instantiate().unwrap();
            inst.call("count", &[Val::I32(10)]).unwrap();
        }
        let traps = runtime
            .instantiate(&module(TRAPS))
            .unwrap()
            .call("boom", &[]);
        assert!(traps.is_err());
        let m = runtime.metrics();
        assert_eq!(
            (m.modules_prepared, m.instances, m.calls, m.traps),
            (2, 4, 4, 1),
            "{engine}: {m:?}"
        );
        assert_eq!((m.cache_hits, m.cache_misses), (0, 0), "{engine}");
        let text = runtime.metrics_text();
        let line = format!("wasmux_instances_total{{engine=\"{engine}\"}} 4");
        assert!(text.lines().any(|l| l == line), "{engine}: {text}");
        assert!(text.contains("# TYPE wasmux_calls_total counter"), "{text}");
    }
}

const TRAPS: &str = r#"(module (func (export "boom") unreachable))"#;

#[test]
fn code_loaded_from_the_cache_runs_as_compiled_code_does() {
    for engine in wasmux::all_engines() {
        let name = engine.info().name.clone();
        let dir = tempfile::tempdir().unwrap();
        let runtime = || {
            Runtime::builder()
                .engine(&name)
                .fuel(1_000_000)
                .timeout(Duration::from_secs(60))
                .cache(wasmux::CompileCache::open(dir.path()))
                .build()
                .unwrap()
        };
        let (first, second) = (runtime(), runtime());
        let compiled = first.prepare(&module(LOOPS)).unwrap();
        let loaded = second.prepare(&module(LOOPS)).unwrap();
        let (want_first, want_second) = match engine.artifact_key() {
            Some(_) => (CacheOutcome::Miss, CacheOutcome::Hit),
            None => (CacheOutcome::Off, CacheOutcome::Off),
        };
        assert_eq!(compiled.cache_outcome(), want_first, "{name}");
        assert_eq!(loaded.cache_outcome(), want_second, "{name}");
        assert_eq!(compiled.cache_error(), None, "{name}");
        let mut outcomes = Vec::new();
        for prepared in [&compiled, &loaded] {
            let mut inst = prepared.instantiate().unwrap();
            let result = inst.call("count", &[Val::I32(1000)]).unwrap();
            outcomes.push((result, inst.last_call_stats().fuel_consumed));
        }
        assert_eq!(
            outcomes[0], outcomes[1],
            "{name}: the same fuel, the same result"
        );
        assert_eq!(
            second.metrics().cache_hits,
            u64::from(want_second == CacheOutcome::Hit),
            "{name}"
        );
    }
}

/// A module whose every kind of state a call can change: memory (bytes and size), a mutable
/// global and, where the engine has reference types (wasm3 has not: an MVP table cannot be
/// written by the guest), a table.
fn secret(engine: &str) -> Module {
    let tables = wasmux::engine(engine).unwrap().info().caps.reference_types;
    let (set, get) = if tables {
        (
            "(table.set (i32.const 3) (ref.func $f))",
            "(i64.extend_i32_u (i32.eqz (ref.is_null (table.get (i32.const 3)))))",
        )
    } else {
        ("", "(i64.const 0)")
    };
    let declare = if tables { "(elem declare func $f)" } else { "" };
    module(&format!(
        r#"(module
  (memory (export "memory") 1 4)
  (table 4 funcref)
  (global $g (mut i64) (i64.const 7))
  (data (i32.const 0) "initial")
  (func $f)
  {declare}
  (func (export "spoil") (param i64)
    (i64.store (i32.const 0) (local.get 0))
    (i64.store (i32.const 60000) (local.get 0))
    (drop (memory.grow (i32.const 2)))
    (i64.store (i32.const 140000) (local.get 0))
    (global.set $g (local.get 0))
    {set})
  (func (export "look") (result i64)
    (i64.or (i64.or (i64.load (i32.const 60000))
      (i64.extend_i32_u (i32.ne (memory.size) (i32.const 1))))
      {get}))
  (func (export "first") (result i64) (i64.load (i32.const 0)))
  (func (export "global") (result i64) (global.get $g)))"#
    ))
}

fn get64(inst: &mut Instance, func: &str) -> i64 {
    match inst.call(func, &[]).unwrap().as_slice() {
        [Val::I64(v)] => *v,
        other => panic!("{func} returned {other:?}"),
    }
}

#[test]
fn a_pooled_instance_never_shows_what_a_previous_one_left() {
    let initial = i64::from_le_bytes(*b"initial\0");
    for engine in engines() {
        let runtime = Runtime::builder().engine(&engine).pool(2).build().unwrap();
        let prepared = runtime.prepare(&secret(&engine)).unwrap();
        for round in 0..4 {
            let mut inst = prepared.instantiate().unwrap();
            assert_eq!(get64(&mut inst, "look"), 0, "{engine} round {round}");
            assert_eq!(get64(&mut inst, "first"), initial, "{engine} round {round}");
            assert_eq!(get64(&mut inst, "global"), 7, "{engine} round {round}");
            inst.call("spoil", &[Val::I64(0x5ec2e7)]).unwrap();
            assert_ne!(get64(&mut inst, "look"), 0, "{engine}: spoiled");
        }
    }
}

#[test]
fn a_pool_refuses_an_instance_past_its_last_slot_on_every_engine() {
    for engine in engines() {
        let runtime = Runtime::builder()
            .engine(&engine)
            .pool(2)
            .max_memory(4 * 65536)
            .build()
            .unwrap();
        let prepared = runtime.prepare(&secret(&engine)).unwrap();
        let (first, _second) = (
            prepared.instantiate().unwrap(),
            prepared.instantiate().unwrap(),
        );
        let err = prepared.instantiate().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Limit, "{engine}: {err}");
        assert!(
            err.to_string().contains("all 2 instance slots"),
            "{engine}: {err}"
        );
        drop(first);
        let mut third = prepared.instantiate().unwrap();
        assert_eq!(get64(&mut third, "global"), 7, "{engine}");
        // The pool's memories honour the runtime's memory limit like any other.
        let grow = |inst: &mut Instance| inst.call("spoil", &[Val::I64(1)]);
        grow(&mut third).unwrap();
    }
}
