//! A guest waiting in the host (on stdin, a FIFO, a socket, `poll_oneoff`) still ends at its
//! timeout or its cancel, within 100 ms, on every engine; and while it waits, other instances
//! sharing its context go on.

use super::common::{engines, instantiate};
use std::fs::File;
use std::net::{TcpListener, TcpStream};
use std::os::fd::OwnedFd;
use std::path::Path;
use std::time::{Duration, Instant};
use wasmux::wasi::{Mode, Pipe, Stdio, WasiCtx};
use wasmux::{Error, Limits, Module, Runtime, Trap, Val};

/// Each export waits in one WASI call and returns its errno. Memory: an iovec at 0 covering
/// 64 KiB from 1024, results at 16.., the path "fifo" at 64, a subscription at 256, events at
/// 512.
const WAITER: &str = r#"(module
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sock_accept" (func $accept (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sock_recv" (func $recv (param i32 i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sock_send" (func $send (param i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_open" (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 2)
  (data (i32.const 0) "\00\04\00\00\00\00\01\00")
  (data (i32.const 64) "fifo")
  (data (i32.const 256) "\07\00\00\00\00\00\00\00\01")
  (func (export "stdin") (result i32)
    (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 16)))
  (func (export "fifo") (result i32)
    (local $e i32)
    (local.set $e (call $open (i32.const 3) (i32.const 0) (i32.const 64) (i32.const 4)
      (i32.const 0) (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 20)))
    (if (local.get $e) (then (return (local.get $e))))
    (call $fd_read (i32.load (i32.const 20)) (i32.const 0) (i32.const 1) (i32.const 16)))
  (func (export "accept") (result i32)
    (call $accept (i32.const 3) (i32.const 0) (i32.const 20)))
  (func (export "recv") (result i32)
    (local $e i32)
    (local.set $e (call $accept (i32.const 3) (i32.const 0) (i32.const 20)))
    (if (local.get $e) (then (return (local.get $e))))
    (call $recv (i32.load (i32.const 20)) (i32.const 0) (i32.const 1) (i32.const 0)
      (i32.const 16) (i32.const 24)))
  ;; Sends until the peer, which never reads, has its buffers full.
  (func (export "send") (result i32)
    (local $e i32)
    (local.set $e (call $accept (i32.const 3) (i32.const 0) (i32.const 20)))
    (if (local.get $e) (then (return (local.get $e))))
    (loop $more
      (local.set $e (call $send (i32.load (i32.const 20)) (i32.const 0) (i32.const 1)
        (i32.const 0) (i32.const 16)))
      (br_if $more (i32.eqz (local.get $e))))
    (local.get $e))
  ;; One subscription: stdin readable.
  (func (export "poll") (result i32)
    (call $poll (i32.const 256) (i32.const 512) (i32.const 1) (i32.const 16)))
  (func (export "hello") (result i32)
    (i32.store (i32.const 1024) (i32.const 0x0a6968))
    (i32.store (i32.const 40) (i32.const 1024))
    (i32.store (i32.const 44) (i32.const 3))
    (call $fd_write (i32.const 1) (i32.const 40) (i32.const 1) (i32.const 16)))
)"#;

/// What a case waits on: its context, and what must stay alive (and silent) meanwhile.
struct Case {
    ctx: WasiCtx,
    keep: Vec<Box<dyn std::any::Any>>,
}

/// A pipe nobody writes to, as the guest's stdin.
fn silent_stdin(ctx: WasiCtx) -> Case {
    let (reader, writer) = std::io::pipe().unwrap();
    let reader = File::from(OwnedFd::from(reader));
    Case {
        ctx: ctx.stdin(Stdio::File(reader)),
        keep: vec![Box::new(writer)],
    }
}

fn fifo_dir(ctx: WasiCtx, dir: &Path) -> Case {
    let status = std::process::Command::new("mkfifo")
        .arg(dir.join("fifo"))
        .status()
        .unwrap();
    assert!(status.success());
    Case {
        ctx: ctx.preopen_dir(dir, "/", Mode::Ro).unwrap(),
        keep: Vec::new(),
    }
}

/// A listener at fd 3 and a client connected to it that never sends or reads.
fn silent_peer(ctx: WasiCtx, connect: bool) -> Case {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let mut keep: Vec<Box<dyn std::any::Any>> = Vec::new();
    if connect {
        keep.push(Box::new(
            TcpStream::connect(listener.local_addr().unwrap()).unwrap(),
        ));
    }
    Case {
        ctx: ctx.listener(listener),
        keep,
    }
}

fn case(export: &str, dir: &Path) -> Case {
    let ctx = WasiCtx::new();
    match export {
        "stdin" | "poll" => silent_stdin(ctx),
        "fifo" => fifo_dir(ctx, dir),
        "accept" => silent_peer(ctx, false),
        "recv" | "send" => silent_peer(ctx, true),
        other => panic!("no case {other}"),
    }
}

const WAITS: [&str; 6] = ["stdin", "fifo", "accept", "recv", "send", "poll"];
const MARGIN: Duration = Duration::from_millis(100);

fn waiter() -> Module {
    Module::from_bytes("waiter.wat", WAITER.as_bytes()).unwrap()
}

fn trap(result: &Result<Vec<Val>, Error>) -> Option<Trap> {
    match result {
        Err(Error::Trap { trap, .. }) => Some(*trap),
        _ => None,
    }
}

/// The errno an export returned.
fn errno(result: &Result<Vec<Val>, Error>) -> Option<i32> {
    match result {
        Ok(v) => match v.as_slice() {
            [Val::I32(e)] => Some(*e),
            _ => None,
        },
        Err(_) => None,
    }
}

/// An instance of the waiter on `engine`, ready to wait in `export`, with the runtime
/// `configure` sets up; what it waits on stays alive as long as the returned case.
fn waiting(
    engine: &str,
    export: &str,
    dir: &Path,
    configure: impl FnOnce(wasmux::RuntimeBuilder) -> wasmux::RuntimeBuilder,
) -> (wasmux::Instance, Vec<Box<dyn std::any::Any>>) {
    let case = case(export, dir);
    let runtime = configure(Runtime::builder().engine(engine))
        .wasi_shared(case.ctx)
        .build()
        .unwrap();
    (runtime.instantiate(&waiter()).unwrap(), case.keep)
}

#[test]
fn a_guest_waiting_in_the_host_ends_at_its_timeout() {
    let timeout = Duration::from_millis(300);
    for engine in engines() {
        for export in WAITS {
            let dir = tempfile::tempdir().unwrap();
            let (mut instance, _keep) = waiting(&engine, export, dir.path(), |b| {
                b.limits(Limits {
                    timeout: Some(timeout),
                    ..Limits::default()
                })
            });
            let started = Instant::now();
            let result = instance.call(export, &[]);
            let took = started.elapsed();
            assert_eq!(
                trap(&result),
                Some(Trap::Timeout),
                "{engine} {export}: {result:?}"
            );
            assert!(
                took < timeout + MARGIN,
                "{engine} {export}: stopped {took:?} after the start, timeout {timeout:?}"
            );
        }
    }
}

#[test]
fn a_guest_waiting_in_the_host_ends_at_its_cancel() {
    let after = Duration::from_millis(200);
    for engine in engines() {
        for export in WAITS {
            let dir = tempfile::tempdir().unwrap();
            let (mut instance, _keep) =
                waiting(&engine, export, dir.path(), |b| b.interruptible(true));
            let cancel = instance.cancel_handle();
            let started = Instant::now();
            let canceller = std::thread::spawn(move || {
                std::thread::sleep(after);
                cancel.cancel();
                Instant::now()
            });
            let result = instance.call(export, &[]);
            let ended = Instant::now();
            let cancelled = canceller.join().unwrap();
            assert_eq!(
                trap(&result),
                Some(Trap::Interrupted),
                "{engine} {export}: {result:?}"
            );
            assert!(
                ended >= cancelled,
                "{engine} {export}: ended before the cancel"
            );
            assert!(
                ended - cancelled < MARGIN,
                "{engine} {export}: stopped {:?} after the cancel ({:?} after the start)",
                ended - cancelled,
                ended - started
            );
        }
    }
}

/// Two instances share one context; one waits on stdin, and the other still writes.
#[test]
fn a_waiting_instance_does_not_stop_the_others_sharing_its_context() {
    let module = waiter();
    for engine in engines() {
        let dir = tempfile::tempdir().unwrap();
        let out = Pipe::new();
        let case = case("stdin", dir.path());
        let runtime = Runtime::builder()
            .engine(&engine)
            .interruptible(true)
            .wasi_shared(case.ctx.stdout(Stdio::Pipe(out.clone())))
            .build()
            .unwrap();
        let mut waiting = runtime.instantiate(&module).unwrap();
        let mut other = runtime.instantiate(&module).unwrap();
        let cancel = waiting.cancel_handle();
        std::thread::scope(|s| {
            let waiter = s.spawn(move || waiting.call("stdin", &[]));
            std::thread::sleep(Duration::from_millis(100));
            let started = Instant::now();
            let result = other.call("hello", &[]);
            let took = started.elapsed();
            cancel.cancel();
            let waited = waiter.join().unwrap();
            assert_eq!(errno(&result), Some(0), "{engine}: {result:?}");
            assert!(took < MARGIN, "{engine}: the write took {took:?}");
            assert_eq!(trap(&waited), Some(Trap::Interrupted), "{engine}");
        });
        assert_eq!(out.contents_string(), "hi\n", "{engine}");
    }
}

/// With data there, the same calls return at once: the waits above are waits, not refusals.
#[test]
fn the_waiting_calls_return_when_there_is_something() {
    let module = waiter();
    for engine in engines() {
        let ctx = WasiCtx::new().stdin(Stdio::Pipe(Pipe::from_bytes("x")));
        let mut instance = instantiate(&engine, &module, ctx);
        let result = instance.call("stdin", &[]);
        assert_eq!(errno(&result), Some(0), "{engine} stdin: {result:?}");
        let result = instance.call("poll", &[]);
        assert_eq!(errno(&result), Some(0), "{engine} poll: {result:?}");

        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let mut instance = instantiate(&engine, &module, WasiCtx::new().listener(listener));
        let client = std::thread::spawn(move || {
            use std::io::Write;
            let mut s = TcpStream::connect(addr).unwrap();
            s.write_all(b"ping").unwrap();
            s
        });
        let result = instance.call("recv", &[]);
        assert_eq!(errno(&result), Some(0), "{engine} recv: {result:?}");
        drop(client.join().unwrap());
    }
}
