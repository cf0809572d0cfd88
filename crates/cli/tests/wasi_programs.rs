//! What real WASI programs need from `wasmux run` beyond the testsuite, on every engine:
//! reactors driven with a command line, imports nobody provides, stdin through a real pipe,
//! hundreds of MiB of output, and thousands of files open at once.

mod common;
use common::{engines, text, wasmux_command, wasmux_in};
#[path = "../../wasi/tests/common/guests.rs"]
mod guests;

use guests::guest_path;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn example(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples")
        .join(name)
        .display()
        .to_string()
}

fn wasmux_cmd(args: &[&str]) -> Command {
    wasmux_command(Path::new("."), args)
}

#[test]
fn a_reactor_reads_its_command_line_through_wasi_after_initialize() {
    let reactor = example("reactor.wat");
    let here = Path::new(".");
    for engine in engines() {
        let e = engine.as_str();
        // `run` takes no parameters: every ARG is argv, and `_initialize` ran first (else
        // `run` traps).
        let out = wasmux_in(
            here,
            &[
                "run", "--engine", e, "--invoke", "run", &reactor, "-c", "print(1)",
            ],
        );
        assert!(out.status.success(), "{e}: {}", text(&out.stderr));
        assert_eq!(text(&out.stdout), "reactor.wat\n-c\nprint(1)\n", "{e}");

        // Parameters come from the front of ARGS; the rest stay argv only.
        let out = wasmux_in(
            here,
            &[
                "run", "--engine", e, "--invoke", "add", &reactor, "2", "3", "x",
            ],
        );
        assert!(out.status.success(), "{e}: {}", text(&out.stderr));
        assert_eq!(text(&out.stdout), "5\n", "{e}");

        let out = wasmux_in(
            here,
            &["run", "--engine", e, "--invoke", "add", &reactor, "2"],
        );
        assert_eq!(out.status.code(), Some(1), "{e}");
        assert!(
            text(&out.stderr).contains("`add` takes 2 argument(s) ((i32, i32) -> (i32)); 1 given"),
            "{e}: {}",
            text(&out.stderr)
        );

        // Without --invoke a reactor has nothing to run, and says what it could run.
        let out = wasmux_in(here, &["run", "--engine", e, &reactor]);
        assert_eq!(out.status.code(), Some(1), "{e}");
        assert!(
            text(&out.stderr).contains("no `_start`") && text(&out.stderr).contains("run"),
            "{e}: {}",
            text(&out.stderr)
        );
    }
}

#[test]
fn unknown_imports_trap_only_when_called_or_return_zeros() {
    let dir = tempfile::tempdir().unwrap();
    let module = dir.path().join("plugin.wat");
    std::fs::write(
        &module,
        r#"(module
  (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
  (import "host" "callback" (func $cb (param i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 8) "hi\n")
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 8)) (i32.store (i32.const 4) (i32.const 3))
    (drop (call $w (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 16))))
  (func (export "call") (result i32) (call $cb (i32.const 7))))"#,
    )
    .unwrap();
    let module = module.display().to_string();
    for engine in engines() {
        let e = engine.as_str();
        let run = |extra: &[&str]| {
            let mut args = vec!["run", "--engine", e];
            args.extend_from_slice(extra);
            wasmux_in(dir.path(), &args)
        };
        let out = run(&[&module]);
        assert_eq!(out.status.code(), Some(1), "{e}: linked without a provider");
        assert!(
            text(&out.stderr).contains("host::callback"),
            "{e}: {}",
            text(&out.stderr)
        );

        let out = run(&["--unknown-imports", "trap", &module]);
        assert!(out.status.success(), "{e}: {}", text(&out.stderr));
        assert_eq!(text(&out.stdout), "hi\n", "{e}");

        let out = run(&["--unknown-imports", "trap", "--invoke", "call", &module]);
        assert_eq!(out.status.code(), Some(134), "{e}: {}", text(&out.stderr));
        assert!(
            text(&out.stderr).contains("host::callback"),
            "{e}: {}",
            text(&out.stderr)
        );

        let out = run(&["--unknown-imports", "default", "--invoke", "call", &module]);
        assert!(out.status.success(), "{e}: {}", text(&out.stderr));
        assert_eq!(text(&out.stdout), "0\n", "{e}");
    }
}

/// FNV-1a, as the `stream` guest computes it.
fn fnv(hash: u64, bytes: &[u8]) -> u64 {
    bytes
        .iter()
        .fold(hash, |h, &b| (h ^ b as u64).wrapping_mul(0x100000001b3))
}

const FNV_START: u64 = 0xcbf29ce484222325;

fn stream_guest() -> PathBuf {
    guest_path("stream")
}

#[test]
fn stdin_through_a_pipe_arrives_whole() {
    let guest = stream_guest().display().to_string();
    // 24 MiB in writes of odd sizes, so reads see partial pipe buffers.
    let input: Vec<u8> = (0..24 * 1024 * 1024u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 24) as u8)
        .collect();
    let want = format!(
        "cat: {} bytes, fnv {:016x}",
        input.len(),
        fnv(FNV_START, &input)
    );
    for engine in engines() {
        let mut child = wasmux_cmd(&["run", "--engine", &engine, "--stdin", "inherit"])
            .args([&guest, "cat"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let data = input.clone();
        let writer = std::thread::spawn(move || {
            for chunk in data.chunks(65_537) {
                stdin.write_all(chunk).unwrap();
            }
        });
        let mut stdout = child.stdout.take().unwrap();
        let reader = std::thread::spawn(move || {
            let (mut total, mut hash, mut buf) = (0usize, FNV_START, vec![0u8; 1 << 16]);
            loop {
                let n = stdout.read(&mut buf).unwrap();
                if n == 0 {
                    return (total, hash);
                }
                total += n;
                hash = fnv(hash, &buf[..n]);
            }
        });
        writer.join().unwrap();
        let (total, hash) = reader.join().unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{engine}: {}", text(&out.stderr));
        assert_eq!(text(&out.stderr).trim(), want, "{engine}");
        assert_eq!(
            (total, hash),
            (input.len(), fnv(FNV_START, &input)),
            "{engine}"
        );
    }
}

/// `sleep 20 | wasmux run --timeout 1s guest`: the guest waits on stdin, and still stops at
/// its timeout, with the timeout's exit status, long before its input ends.
#[test]
fn a_guest_waiting_on_stdin_stops_at_its_timeout() {
    let guest = stream_guest().display().to_string();
    for engine in engines() {
        let started = std::time::Instant::now();
        let mut child = wasmux_cmd(&["run", "--engine", &engine, "--timeout", "1s"])
            .args(["--stdin", "inherit", &guest, "cat"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Held open and silent, like `sleep`'s end of the pipe.
        let silent = child.stdin.take().unwrap();
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break Some(status);
            }
            if started.elapsed() > std::time::Duration::from_secs(20) {
                child.kill().unwrap();
                break None;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        };
        drop(silent);
        let out = child.wait_with_output().unwrap();
        let stderr = text(&out.stderr);
        assert!(status.is_some(), "{engine}: still waiting after 20 s");
        assert!(!out.status.success(), "{engine}: {stderr}");
        assert!(stderr.contains("timeout"), "{engine}: {stderr}");
    }
}

#[test]
fn hundreds_of_mib_of_output_arrive_whole() {
    let guest = stream_guest().display().to_string();
    const MIB: usize = 300;
    let chunk: Vec<u8> = (0..1024 * 1024).map(|i| (i % 251) as u8).collect();
    let want = (0..MIB).fold(FNV_START, |h, _| fnv(h, &chunk));
    for engine in engines() {
        let mut child = wasmux_cmd(&["run", "--engine", &engine, "--stdout", "inherit"])
            .args([&guest, "write", &MIB.to_string()])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdout = child.stdout.take().unwrap();
        let (mut total, mut hash, mut buf) = (0usize, FNV_START, vec![0u8; 1 << 16]);
        loop {
            let n = stdout.read(&mut buf).unwrap();
            if n == 0 {
                break;
            }
            total += n;
            hash = fnv(hash, &buf[..n]);
        }
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{engine}: {}", text(&out.stderr));
        assert_eq!(total, MIB * 1024 * 1024, "{engine}");
        assert_eq!(hash, want, "{engine}");
    }
}

#[test]
fn thousands_of_files_open_at_once() {
    let guest = stream_guest().display().to_string();
    for engine in engines() {
        let dir = tempfile::tempdir().unwrap();
        let out = wasmux_in(
            dir.path(),
            &[
                "run", "--engine", &engine, "--dir", ".::/d", &guest, "open", "2000", "/d",
            ],
        );
        assert!(out.status.success(), "{engine}: {}", text(&out.stderr));
        assert_eq!(
            text(&out.stdout),
            "open: 2000 files held open at once, each read back\n",
            "{engine}"
        );
        assert_eq!(
            std::fs::read_to_string(dir.path().join("f1999")).unwrap(),
            "1999"
        );
    }
}

/// Runs `wasmux ARGS` and returns its exit status and peak resident memory in KiB, from the
/// kernel's own count for that one process (wait4).
fn peak_rss_kib(args: &[&str]) -> (i32, i64) {
    let child = wasmux_cmd(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: a zeroed rusage is a valid value of that plain C struct, and wait4 fills it for
    // the child we spawned and have not waited for.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(waited, pid, "wait4: {}", std::io::Error::last_os_error());
    std::mem::forget(child);
    (libc::WEXITSTATUS(status), usage.ru_maxrss)
}

/// A guest with 16 MiB of memory that makes one call with `count` iovecs, each covering all
/// of its memory: `fd_write` to stdout, or `fd_read` from stdin.
fn iovec_bomb(call: &str, count: u32) -> String {
    let iovecs: String = (0..count)
        .map(|i| format!("(i32.store (i32.const {}) (i32.const 0)) (i32.store (i32.const {}) (i32.const 16777216))\n", i * 8, i * 8 + 4))
        .collect();
    let import = match call {
        "fd_write" => {
            r#"(import "wasi_snapshot_preview1" "fd_write" (func $io (param i32 i32 i32 i32) (result i32)))"#
        }
        _ => {
            r#"(import "wasi_snapshot_preview1" "fd_read" (func $io (param i32 i32 i32 i32) (result i32)))"#
        }
    };
    let fd = if call == "fd_write" { 1 } else { 0 };
    format!(
        r#"(module {import}
  (memory (export "memory") 256 256)
  (func (export "_start")
    {iovecs}
    (if (call $io (i32.const {fd}) (i32.const 0) (i32.const {count}) (i32.const 16384))
      (then unreachable))))"#
    )
}

#[test]
fn one_call_with_huge_iovecs_uses_bounded_host_memory() {
    let dir = tempfile::tempdir().unwrap();
    // 255 iovecs of 16 MiB: 4080 MiB in one call, the most a WASI size can count.
    for call in ["fd_write", "fd_read"] {
        let one = dir.path().join(format!("{call}-1.wat"));
        let many = dir.path().join(format!("{call}-255.wat"));
        std::fs::write(&one, iovec_bomb(call, 1)).unwrap();
        std::fs::write(&many, iovec_bomb(call, 255)).unwrap();
        for engine in engines() {
            let run = |module: &Path| {
                let module = module.display().to_string();
                peak_rss_kib(&[
                    "run",
                    "--engine",
                    &engine,
                    "--stdout",
                    "/dev/null",
                    "--stdin",
                    "/dev/zero",
                    &module,
                ])
            };
            let (status, baseline) = run(&one);
            assert_eq!(status, 0, "{engine} {call}, one iovec");
            let (status, peak) = run(&many);
            println!("{engine} {call}: {baseline} KiB with one iovec, {peak} KiB with 255");
            assert_eq!(status, 0, "{engine} {call}, 255 iovecs");
            // What one call may add: the 64 KiB gather buffer and the allocator's slack, far
            // below even one more iovec's 16 MiB.
            assert!(
                peak <= baseline + 8 * 1024,
                "{engine} {call}: peak {peak} KiB with 255 iovecs, {baseline} KiB with one"
            );
        }
    }
}

#[test]
fn compute_kernels_give_one_checksum_on_every_engine() {
    // The benchmark kernels of scripts/bench (guests/src/bin/compute.rs), each run a few
    // times: integer work, a hash, f64 matrices, a sort and a regex must agree everywhere,
    // through `_start` and through the exported `kernel` function alike.
    let compute = guest_path("compute").display().to_string();
    let here = Path::new(".");
    let mut first: Option<(String, String)> = None;
    for engine in engines() {
        let e = engine.as_str();
        let out = wasmux_in(here, &["run", "--engine", e, &compute, "all", "3"]);
        assert!(out.status.success(), "{e}: {}", text(&out.stderr));
        let stdout = text(&out.stdout);
        let kernels: Vec<&str> = stdout
            .lines()
            .map(|l| l.split(' ').next().unwrap())
            .collect();
        assert_eq!(
            kernels,
            ["list", "matrix", "state", "crc16", "sha256", "matmul", "sort", "regex"],
            "{e}: {stdout}"
        );
        // crc16 (index 3) through the export; its checksum is the `all` line's, in decimal.
        let out = wasmux_in(
            here,
            &[
                "run", "--engine", e, "--invoke", "kernel", &compute, "3", "3",
            ],
        );
        assert!(out.status.success(), "{e}: {}", text(&out.stderr));
        let line = stdout.lines().nth(3).unwrap();
        let hex = line.rsplit(' ').next().unwrap();
        let value = u64::from_str_radix(hex, 16).unwrap() as i64;
        assert_eq!(text(&out.stdout), format!("{value}\n"), "{e}");
        match &first {
            None => first = Some((engine.clone(), stdout)),
            Some((other, want)) => assert_eq!(&stdout, want, "{e} differs from {other}"),
        }
    }
}
