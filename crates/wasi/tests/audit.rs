//! Audit events: one per WASI call, with the paths named and the decision, on every engine.

mod common;
use common::*;
use std::sync::{Arc, Mutex};
use wasmux::wasi::{AuditEvent, AuditLevel, AuditSink, Mode};

fn collector(level: AuditLevel) -> (AuditSink, Arc<Mutex<Vec<AuditEvent>>>) {
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink = events.clone();
    let audit = AuditSink::new(level, move |e| sink.lock().unwrap().push(e.clone()));
    (audit, events)
}

#[test]
fn every_call_is_seen_and_denials_are_marked() {
    let module = guest("hostile");
    for engine in engines() {
        let root = tempfile::tempdir().unwrap();
        let (data, tmp) = (root.path().join("data"), root.path().join("tmp"));
        std::fs::create_dir_all(&data).unwrap();
        std::fs::create_dir_all(&tmp).unwrap();
        std::fs::write(data.join("input.txt"), "original").unwrap();
        let (all, all_events) = collector(AuditLevel::All);
        run(&engine, &module, |ctx| {
            ctx.preopen_dir(&tmp, "/tmp", Mode::Rw)
                .unwrap()
                .preopen_dir(&data, "/data", Mode::Ro)
                .unwrap()
                .audit(all)
        });
        let events = all_events.lock().unwrap();
        assert!(
            events.iter().any(|e| e.func == "fd_write" && e.allowed),
            "{engine}"
        );
        let symlink = events
            .iter()
            .find(|e| e.func == "path_symlink" && e.args.contains("\"/etc\""))
            .unwrap_or_else(|| panic!("{engine}: no audited symlink in {events:?}"));
        assert!(
            !symlink.allowed && symlink.errno == 76,
            "{engine}: {symlink:?}"
        );
        let ro = events
            .iter()
            .find(|e| e.func == "path_open" && e.errno == 69)
            .unwrap_or_else(|| panic!("{engine}: no refused open"));
        assert!(ro.args.contains("input.txt"), "{engine}: {ro:?}");

        // At level "denied" only refusals are reported.
        let (denied, denied_events) = collector(AuditLevel::Denied);
        std::fs::remove_dir_all(&tmp).unwrap();
        std::fs::create_dir_all(&tmp).unwrap();
        run(&engine, &module, |ctx| {
            ctx.preopen_dir(&tmp, "/tmp", Mode::Rw)
                .unwrap()
                .audit(denied)
        });
        let events = denied_events.lock().unwrap();
        assert!(!events.is_empty(), "{engine}");
        assert!(events.iter().all(|e| !e.allowed), "{engine}: {events:?}");
    }
}

/// Opens `/d/f` and returns the new descriptor (or minus the errno).
const OPENER: &str = r#"(module
  (import "wasi_snapshot_preview1" "path_open"
    (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "f")
  (func (export "open") (result i32) (local $errno i32)
    (local.set $errno (call $open (i32.const 3) (i32.const 0) (i32.const 16) (i32.const 1)
      (i32.const 0) (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 32)))
    (if (result i32) (local.get $errno)
      (then (i32.sub (i32.const 0) (local.get $errno)))
      (else (i32.load (i32.const 32))))))"#;

#[test]
fn each_instance_gets_its_own_context_unless_one_is_shared() {
    let module = wasmux::Module::from_bytes("opener.wat", OPENER.as_bytes()).unwrap();
    for engine in engines() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("f"), "x").unwrap();
        let (audit, events) = collector(AuditLevel::All);
        let host = dir.path().to_path_buf();
        let runtime = wasmux::Runtime::builder()
            .engine(&engine)
            .wasi(move || {
                Ok::<_, wasmux::wasi::WasiError>(
                    wasmux::wasi::WasiCtx::new()
                        .preopen_dir(&host, "/d", Mode::Ro)?
                        .audit(audit.clone()),
                )
            })
            .build()
            .unwrap();
        // Each descriptor table starts with stdio and the one preopen (3).
        assert_eq!(opens(&runtime, &module), [4, 4, 5], "{engine}");
        assert_eq!(audited_instances(&events), 2, "{engine}");

        // Shared: one table, one number.
        let (audit, events) = collector(AuditLevel::All);
        let ctx = wasmux::wasi::WasiCtx::new()
            .preopen_dir(dir.path(), "/d", Mode::Ro)
            .unwrap()
            .audit(audit);
        let runtime = wasmux::Runtime::builder()
            .engine(&engine)
            .wasi_shared(ctx)
            .build()
            .unwrap();
        assert_eq!(opens(&runtime, &module), [4, 5, 6], "{engine}");
        assert_eq!(audited_instances(&events), 1, "{engine}");
    }
}

/// The descriptors two instances of `module` get from opening a file: the first, the second,
/// then the first again.
fn opens(runtime: &wasmux::Runtime, module: &wasmux::Module) -> [i32; 3] {
    let prepared = runtime.prepare(module).unwrap();
    let (mut first, mut second) = (
        prepared.instantiate().unwrap(),
        prepared.instantiate().unwrap(),
    );
    [
        call_i32(&mut first, "open", &[]),
        call_i32(&mut second, "open", &[]),
        call_i32(&mut first, "open", &[]),
    ]
}

/// How many audit instance numbers the events carry.
fn audited_instances(events: &Mutex<Vec<AuditEvent>>) -> usize {
    let numbers: std::collections::BTreeSet<u64> =
        events.lock().unwrap().iter().map(|e| e.instance).collect();
    numbers.len()
}
