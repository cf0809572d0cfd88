//! What real WASI programs need from `wasmux run` beyond the testsuite, on every engine:
//! reactors driven with a command line, imports nobody provides, stdin through a real pipe,
//! hundreds of MiB of output, and thousands of files open at once.

mod common;
use common::{engines, text, wasmux_in};
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
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_wasmux"));
    cmd.args(args);
    cmd
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
