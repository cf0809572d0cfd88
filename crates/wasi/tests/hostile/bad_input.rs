//! Arguments no valid program passes, on every engine: iovec arrays running off (or wrapping
//! around) the end of memory, a length of u32::MAX, a path of 1 MiB, `poll_oneoff` with
//! 100,000 subscriptions, 100,000 files opened. Each gets an errno, the host stays within its
//! bounds, and the guest goes on.

use super::common::{call_i32 as call, engines, instantiate};
use wasmux::wasi::{Mode, Pipe, Stdio, WasiCtx};
use wasmux::{Module, Val};

const EFAULT: i32 = 21;
const EINVAL: i32 = 28;
const ENAMETOOLONG: i32 = 37;
const ENFILE: i32 = 41;
const EMFILE: i32 = 33;

/// 80 pages (5 MiB): room for a 1 MiB path and 100,000 subscriptions (4.8 MB) at 0.
const GUEST: &str = r#"(module
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_open" (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_close" (func $close (param i32) (result i32)))
  (memory (export "memory") 80)
  (global $end i32 (i32.const 5242880))
  ;; The iovec array starts 4 bytes before the end of memory.
  (func (export "iovs_past_end") (result i32)
    (call $write (i32.const 1) (i32.sub (global.get $end) (i32.const 4)) (i32.const 1) (i32.const 16)))
  ;; Two iovecs at 0xfffffff8: the array's end wraps around 2^32.
  (func (export "iovs_wrapping") (result i32)
    (call $write (i32.const 1) (i32.const 0xfffffff8) (i32.const 2) (i32.const 16)))
  ;; One iovec of u32::MAX bytes from 16.
  (func (export "length_max") (result i32)
    (i32.store (i32.const 64) (i32.const 16))
    (i32.store (i32.const 68) (i32.const -1))
    (call $write (i32.const 1) (i32.const 64) (i32.const 1) (i32.const 16)))
  ;; A path of 1 MiB of 'a'.
  (func (export "long_path") (result i32)
    (memory.fill (i32.const 65536) (i32.const 97) (i32.const 1048576))
    (call $open (i32.const 3) (i32.const 0) (i32.const 65536) (i32.const 1048576)
      (i32.const 0) (i64.const 0) (i64.const 0) (i32.const 0) (i32.const 16)))
  ;; 100,000 clock subscriptions of 0 ns, events over the subscriptions.
  (func (export "many_subscriptions") (result i32)
    (memory.fill (i32.const 0) (i32.const 0) (i32.const 4800000))
    (call $poll (i32.const 0) (i32.const 0) (i32.const 100000) (i32.const 4800000)))
  ;; Opens "." 100,000 times; returns how many succeeded, the last errno at 24.
  (func (export "many_opens") (result i32)
    (local $i i32) (local $ok i32) (local $e i32)
    (i32.store8 (i32.const 32) (i32.const 46))
    (loop $again
      (local.set $e (call $open (i32.const 3) (i32.const 0) (i32.const 32) (i32.const 1)
        (i32.const 0) (i64.const 0) (i64.const 0) (i32.const 0) (i32.const 16)))
      (if (i32.eqz (local.get $e))
        (then (local.set $ok (i32.add (local.get $ok) (i32.const 1))))
        (else (i32.store (i32.const 24) (local.get $e))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $again (i32.lt_u (local.get $i) (i32.const 100000))))
    (local.get $ok))
  (func (export "last_errno") (result i32) (i32.load (i32.const 24)))
  ;; Closes fds 4 .. 4+n.
  (func (export "close_from_4") (param $n i32) (result i32)
    (local $fd i32)
    (local.set $fd (i32.const 4))
    (loop $again
      (drop (call $close (local.get $fd)))
      (local.set $fd (i32.add (local.get $fd) (i32.const 1)))
      (br_if $again (i32.lt_u (local.get $fd) (i32.add (i32.const 4) (local.get $n)))))
    (i32.const 0))
  (func (export "hello") (result i32)
    (i32.store (i32.const 128) (i32.const 0x0a6968))
    (i32.store (i32.const 64) (i32.const 128))
    (i32.store (i32.const 68) (i32.const 3))
    (call $write (i32.const 1) (i32.const 64) (i32.const 1) (i32.const 16)))
)"#;

#[test]
fn bad_arguments_get_errnos_and_the_guest_goes_on_on_every_engine() {
    let module = Module::from_bytes("bad_input.wat", GUEST.as_bytes()).unwrap();
    for engine in engines() {
        let dir = tempfile::tempdir().unwrap();
        let out = Pipe::new();
        let ctx = WasiCtx::new()
            .preopen_dir(dir.path(), "/", Mode::Ro)
            .unwrap()
            .stdout(Stdio::Pipe(out.clone()));
        let mut g = instantiate(&engine, &module, ctx);
        assert_eq!(call(&mut g, "iovs_past_end", &[]), EFAULT, "{engine}");
        assert_eq!(call(&mut g, "iovs_wrapping", &[]), EFAULT, "{engine}");
        assert_eq!(call(&mut g, "length_max", &[]), EFAULT, "{engine}");
        assert_eq!(call(&mut g, "long_path", &[]), ENAMETOOLONG, "{engine}");
        assert_eq!(call(&mut g, "many_subscriptions", &[]), EINVAL, "{engine}");

        // The table holds 4,096 descriptors; 0-3 are taken. A host with fewer descriptors
        // than that to give says so first (EMFILE); either way the host keeps its own.
        let opened = call(&mut g, "many_opens", &[]);
        let last = call(&mut g, "last_errno", &[]);
        assert!(
            (last == ENFILE && opened == 4092) || (last == EMFILE && opened < 4092),
            "{engine}: {opened} opened, then errno {last}"
        );
        assert_eq!(call(&mut g, "close_from_4", &[Val::I32(opened)]), 0);
        assert_eq!(call(&mut g, "hello", &[]), 0, "{engine}");
        assert_eq!(
            out.contents_string(),
            "hi\n",
            "{engine}: nothing else was written"
        );
    }
}
