//! A policy changed while the guest runs takes effect at its next host call, on every engine.
//! The guest waits on stdin (a real pipe) between steps and the host writes the next line only
//! after changing the policy, so the order is fixed and the test cannot race.

mod common;
use common::*;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use wasmux::wasi::{AuditEvent, AuditLevel, AuditSink, Mode, Pipe, Stdio, WasiCtx, WasiError};
use wasmux::Runtime;

/// Waits until the guest has printed `line` (it then blocks reading stdin).
fn wait_for(out: &Pipe, line: &str) {
    let deadline = Instant::now() + Duration::from_secs(120);
    while !out.contents_string().contains(line) {
        assert!(
            Instant::now() < deadline,
            "the guest never printed {line:?}"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
}

#[test]
fn write_revoked_and_granted_while_running() {
    let module = guest("live");
    for engine in engines() {
        let tmp = tempfile::tempdir().unwrap();
        let (reader, mut writer) = std::io::pipe().unwrap();
        let out = Pipe::new();
        let events = Arc::new(Mutex::new(Vec::<AuditEvent>::new()));
        let sink = events.clone();
        let ctx = WasiCtx::new()
            .arg("live")
            .preopen_dir(tmp.path(), "/tmp", Mode::Rw)
            .unwrap()
            .stdin(Stdio::File(std::os::fd::OwnedFd::from(reader).into()))
            .stdout(Stdio::Pipe(out.clone()))
            .audit(AuditSink::new(AuditLevel::Denied, move |e| {
                sink.lock().unwrap().push(e.clone())
            }));
        let policy = ctx.policy_handle();
        let runtime = Runtime::builder()
            .engine(&engine)
            .wasi_shared(ctx)
            .build()
            .unwrap();
        let host = {
            let out = out.clone();
            std::thread::spawn(move || {
                wait_for(&out, "waiting 1");
                policy.revoke_write("/tmp").unwrap();
                writer.write_all(b"go\n").unwrap();
                wait_for(&out, "waiting 2");
                policy.grant_write("/tmp").unwrap();
                writer.write_all(b"go\n").unwrap();
            })
        };
        let mut instance = runtime.instantiate(&module).unwrap();
        let result = instance.call("_start", &[]);
        host.join().unwrap();
        assert!(result.is_ok(), "{engine}: {result:?}");
        assert_eq!(
            out.contents_string(),
            "write 1: ok\nwaiting 1\nwrite 2: errno 69\ncreate: errno 69\nwaiting 2\n\
             write 3: ok\ncontent: \"one\\nthree\\n\"\n",
            "{engine}"
        );
        assert!(!tmp.path().join("other.txt").exists(), "{engine}");
        let events = events.lock().unwrap();
        let rule = Some("fs /tmp: write revoked while running".to_string());
        let refused: Vec<(&str, u16, &Option<String>)> =
            events.iter().map(|e| (e.func, e.errno, &e.rule)).collect();
        assert_eq!(
            refused,
            [("fd_write", 69, &rule), ("path_open", 69, &rule)],
            "{engine}"
        );
        assert!(events.iter().all(|e| !e.allowed), "{engine}");
    }
}

#[test]
fn a_handle_names_only_existing_mounts_and_covers_randomness() {
    let tmp = tempfile::tempdir().unwrap();
    let ctx = WasiCtx::new()
        .preopen_dir(tmp.path(), "/tmp", Mode::Ro)
        .unwrap();
    assert!(matches!(
        ctx.policy_handle().revoke_write("/elsewhere"),
        Err(WasiError::NoMount(p)) if p == "/elsewhere"
    ));
    let out = run_everywhere("clocks", |ctx| {
        ctx.policy_handle().allow_random(false);
        ctx
    });
    assert_eq!(out.status, Ok(0), "{out:?}");
    assert!(
        out.stdout.contains("random errno: 76 76\n"),
        "{}",
        out.stdout
    );
}
