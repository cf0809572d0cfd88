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
