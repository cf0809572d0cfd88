//! The disk quota: what a guest may add to the host's filesystem, on every engine. Growing a
//! file past it is `ENOSPC` and an audit event; overwriting, shrinking and unlinking are not
//! growth, and the last two give bytes back.

use super::common::{call_i32, engines, instantiate};
use std::sync::{Arc, Mutex};
use wasmux::wasi::{AuditEvent, AuditLevel, AuditSink, Mode, WasiCtx};
use wasmux::{Module, Val};

const ENOSPC: i32 = 51;

/// Exports work on the file "f" (its fd at 100): `open`, `write n` and `pwrite n at` (bytes
/// from 2048), `allocate at len`, `set_size n`, `unlink`.
const FILLER: &str = r#"(module
  (import "wasi_snapshot_preview1" "path_open" (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_pwrite" (func $pwrite (param i32 i32 i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_allocate" (func $allocate (param i32 i64 i64) (result i32)))
  (import "wasi_snapshot_preview1" "fd_filestat_set_size" (func $set_size (param i32 i64) (result i32)))
  (import "wasi_snapshot_preview1" "path_unlink_file" (func $unlink (param i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 64) "f")
  (func $iovec (param $n i32)
    (i32.store (i32.const 200) (i32.const 2048))
    (i32.store (i32.const 204) (local.get $n)))
  (func (export "open") (result i32)
    (call $open (i32.const 3) (i32.const 0) (i32.const 64) (i32.const 1) (i32.const 1)
      (i64.const -1) (i64.const 0) (i32.const 0) (i32.const 100)))
  (func (export "write") (param $n i32) (result i32)
    (call $iovec (local.get $n))
    (call $write (i32.load (i32.const 100)) (i32.const 200) (i32.const 1) (i32.const 104)))
  (func (export "pwrite") (param $n i32) (param $at i64) (result i32)
    (call $iovec (local.get $n))
    (call $pwrite (i32.load (i32.const 100)) (i32.const 200) (i32.const 1) (local.get $at) (i32.const 104)))
  (func (export "allocate") (param $at i64) (param $len i64) (result i32)
    (call $allocate (i32.load (i32.const 100)) (local.get $at) (local.get $len)))
  (func (export "set_size") (param $n i64) (result i32)
    (call $set_size (i32.load (i32.const 100)) (local.get $n)))
  (func (export "unlink") (result i32)
    (call $unlink (i32.const 3) (i32.const 64) (i32.const 1)))
)"#;

#[test]
fn growth_past_the_disk_quota_is_enospc_and_audited_on_every_engine() {
    let module = Module::from_bytes("filler.wat", FILLER.as_bytes()).unwrap();
    let i = Val::I32;
    let l = Val::I64;
    for engine in engines() {
        let dir = tempfile::tempdir().unwrap();
        let events = Arc::new(Mutex::new(Vec::<AuditEvent>::new()));
        let sink = events.clone();
        let audit = AuditSink::new(AuditLevel::Denied, move |e| {
            sink.lock().unwrap().push(e.clone())
        });
        let ctx = WasiCtx::new()
            .preopen_dir(dir.path(), "/", Mode::Rw)
            .unwrap()
            .max_disk(150)
            .audit(audit);
        let mut g = instantiate(&engine, &module, ctx);
        let mut call = |export: &str, args: &[Val]| call_i32(&mut g, export, args);
        let size = || std::fs::metadata(dir.path().join("f")).unwrap().len();

        assert_eq!(call("open", &[]), 0, "{engine}");
        assert_eq!(call("write", &[i(100)]), 0, "{engine}");
        // 100 more would make 200: refused whole, nothing written.
        assert_eq!(call("write", &[i(100)]), ENOSPC, "{engine}");
        assert_eq!(size(), 100, "{engine}");
        // Overwriting adds nothing.
        assert_eq!(call("pwrite", &[i(100), l(0)]), 0, "{engine}");
        assert_eq!(call("allocate", &[l(0), l(1000)]), ENOSPC, "{engine}");
        assert_eq!(call("set_size", &[l(1 << 20)]), ENOSPC, "{engine}");
        assert_eq!(size(), 100, "{engine}");
        // Within what is left (50), and back after shrinking.
        assert_eq!(call("allocate", &[l(0), l(150)]), 0, "{engine}");
        assert_eq!(call("set_size", &[l(10)]), 0, "{engine}");
        assert_eq!(call("pwrite", &[i(140), l(10)]), 0, "{engine}");
        assert_eq!(size(), 150, "{engine}");
        assert_eq!(call("pwrite", &[i(1), l(150)]), ENOSPC, "{engine}");
        // Unlinking gives everything back.
        assert_eq!(call("unlink", &[]), 0, "{engine}");
        assert_eq!(call("open", &[]), 0, "{engine}");
        assert_eq!(call("write", &[i(150)]), 0, "{engine}");
        assert_eq!(size(), 150, "{engine}");

        let events = events.lock().unwrap();
        let refused: Vec<&str> = events.iter().map(|e| e.func).collect();
        assert_eq!(
            refused,
            [
                "fd_write",
                "fd_allocate",
                "fd_filestat_set_size",
                "fd_pwrite"
            ],
            "{engine}"
        );
        for e in events.iter() {
            assert!(!e.allowed && e.errno == ENOSPC as u16, "{engine}: {e:?}");
            assert_eq!(
                e.rule.as_deref(),
                Some("limits disk: 150 bytes"),
                "{engine}"
            );
        }
    }
}
