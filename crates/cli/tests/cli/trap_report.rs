//! `wasmux run` on a trap: the backtrace below the error line, source lines from DWARF, the
//! backtrace in `--stats`, and `--coredump`.

use super::common::{text, wasmux_in};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use wasmparser::{KnownCustom, Parser, Payload};

/// `main` calls `a` calls `b`, which traps.
const NESTED: &str = r#"(module
  (func $b unreachable)
  (func $a (call $b))
  (func $main (export "main") (call $a)))"#;

fn run(dir: &Path, args: &[&str]) -> (Output, String) {
    let out = wasmux_in(dir, args);
    let err = text(&out.stderr);
    assert!(!err.contains("panicked"), "{args:?}: {err}");
    (out, err)
}

/// The lines of the backtrace `wasmux run` printed, without their numbers.
fn frames(stderr: &str) -> Vec<String> {
    stderr
        .lines()
        .skip_while(|l| *l != "wasm backtrace:")
        .skip(1)
        .take_while(|l| l.starts_with(' '))
        .map(|l| l.trim().split_once(": ").unwrap().1.to_string())
        .collect()
}

#[test]
fn a_trap_prints_the_backtrace_below_the_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("nested.wat"), NESTED).unwrap();
    let cache = dir.path().join("cache");
    let cache = cache.to_str().unwrap();
    for engine in ["wasmtime", "wasmtime:winch", "wasmer"] {
        // Twice: compiled, then loaded from the cache, which must name frames alike.
        for _ in 0..2 {
            let args = [
                "run", "--engine", engine, "--cache", cache, "--fuel", "1000",
            ];
            let (out, err) = run(
                dir.path(),
                &[&args[..], &["nested.wat", "--invoke", "main"]].concat(),
            );
            assert_eq!(out.status.code(), Some(134), "{engine}: {err}");
            assert!(
                err.starts_with("error: wasm trap: unreachable\nwasm backtrace:\n"),
                "{engine}: {err}"
            );
            let names: Vec<_> = frames(&err)
                .iter()
                .map(|f| f.split(" @ ").next().unwrap().to_string())
                .collect();
            assert_eq!(
                names,
                ["nested.wat!b", "nested.wat!a", "nested.wat!main"],
                "{engine}: {err}"
            );
        }
    }
    // Engines without frames of their own still report the trap, and say how to get frames.
    let (out, err) = run(
        dir.path(),
        &["run", "--engine", "wasmi", "nested.wat", "--invoke", "main"],
    );
    assert_eq!(out.status.code(), Some(134));
    assert_eq!(
        err,
        "error: wasm trap: unreachable\n\
         note: no wasm backtrace: wasm3 and wasmi record one only with --backtrace, wasmer's \
         Singlepass for fuel and timeout traps likewise\n"
    );
}

#[test]
fn stats_carry_the_trap_and_its_frames() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("nested.wat"), NESTED).unwrap();
    let (out, err) = run(
        dir.path(),
        &["run", "--stats", "nested.wat", "--invoke", "main"],
    );
    assert_eq!(out.status.code(), Some(134));
    let line = err.lines().next().unwrap();
    let stats: serde_json::Value = serde_json::from_str(line).unwrap();
    assert_eq!(stats["trap"]["kind"], "unreachable", "{line}");
    let names: Vec<_> = stats["trap"]["backtrace"]["frames"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["b", "a", "main"], "{line}");
}

/// The DWARF guest (`guests/debug/trap.rs`), built with `rustc -g` once per test process.
fn debug_guest() -> PathBuf {
    static BUILT: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BUILT
        .get_or_init(|| {
            let out_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("debug-guest");
            std::fs::create_dir_all(&out_dir).unwrap();
            let wasm = out_dir.join("trap.wasm");
            let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
            let out = Command::new(rustc)
                .args(["--target", "wasm32-wasip1", "-g", "-C", "opt-level=0"])
                .args(["-C", "panic=abort", "-o"])
                .arg(&wasm)
                .arg(guest_source())
                .env_remove("RUSTFLAGS")
                .output()
                .expect("rustc runs");
            assert!(
                out.status.success(),
                "building the DWARF guest:\n{}",
                text(&out.stderr)
            );
            wasm
        })
        .clone()
}

fn guest_source() -> PathBuf {
    super::root().join("guests/debug/trap.rs")
}

/// The line of the guest's source marked `// TRAP LINE`, counted from 1.
fn trap_line() -> usize {
    let source = std::fs::read_to_string(guest_source()).unwrap();
    1 + source
        .lines()
        .position(|l| l.contains("// TRAP LINE"))
        .expect("the marker")
}

#[test]
fn dwarf_gives_the_source_line_of_the_trap() {
    let wasm = debug_guest();
    let wasm = wasm.to_str().unwrap();
    let want = format!("trap.rs:{}:", trap_line());
    for engine in ["wasmtime", "wasmer", "wasmi", "wasm3"] {
        for limits in [&[][..], &["--fuel", "100000000", "--timeout", "60s"][..]] {
            let args = [
                &["run", "--backtrace", "--engine", engine][..],
                limits,
                &[wasm],
            ]
            .concat();
            let (out, err) = run(Path::new("."), &args);
            assert_eq!(out.status.code(), Some(134), "{engine} {limits:?}: {err}");
            let frames = frames(&err);
            // Below the frames of core's `unreachable`, the guest's own function, at the line.
            let inner = frames
                .iter()
                .find(|f| f.contains("/trap.rs:") || f.contains(" trap.rs:"))
                .unwrap_or_else(|| panic!("{engine} {limits:?}: no frame in trap.rs:\n{err}"));
            assert!(
                inner.contains(&want),
                "{engine} {limits:?}: want {want} in {inner}\n{err}"
            );
            assert!(inner.contains("inner"), "{engine} {limits:?}: {inner}");
        }
    }
}

#[test]
fn coredump_holds_the_memory_and_the_frames() {
    let wasm = debug_guest();
    let dir = tempfile::tempdir().unwrap();
    let dump_path = dir.path().join("trap.coredump");
    let dump_arg = dump_path.to_str().unwrap();
    let (out, err) = run(
        Path::new("."),
        &["run", "--coredump", dump_arg, wasm.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(134), "{err}");
    assert!(err.starts_with("error: wasm trap: unreachable\n"), "{err}");
    assert!(err.contains("note: core dump written to "), "{err}");
    let dump = std::fs::read(&dump_path).unwrap();
    let (mut marker, mut stack_frames, mut sections) = (false, 0, Vec::new());
    for payload in Parser::new(0).parse_all(&dump) {
        match payload.expect("the core dump parses") {
            Payload::DataSection(data) => {
                for segment in data {
                    let bytes = segment.unwrap().data;
                    marker |= bytes.windows(22).any(|w| w == b"wasmux-coredump-marker");
                }
            }
            Payload::CustomSection(c) => {
                sections.push(c.name().to_string());
                if let KnownCustom::CoreDumpStack(stack) = c.as_known() {
                    stack_frames = stack.frames.len();
                }
            }
            _ => {}
        }
    }
    assert_eq!(
        sections,
        ["core", "coremodules", "coreinstances", "corestack"]
    );
    assert!(marker, "the bytes the guest wrote before trapping");
    assert_eq!(stack_frames, frames(&err).len(), "{err}");
    assert!(stack_frames >= 3, "{err}");
}

#[test]
fn an_unwritable_coredump_is_an_error_after_the_trap() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("nested.wat"), NESTED).unwrap();
    let (out, err) = run(
        dir.path(),
        &[
            "run",
            "--coredump",
            "no/such/dir/x.coredump",
            "nested.wat",
            "--invoke",
            "main",
        ],
    );
    assert_eq!(out.status.code(), Some(134), "{err}");
    assert!(
        err.starts_with("error: wasm trap: unreachable\nwasm backtrace:\n"),
        "{err}"
    );
    assert!(
        err.contains("error: cannot write the core dump to no/such/dir/x.coredump: "),
        "{err}"
    );
}

#[test]
fn an_aot_file_reports_what_it_can() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("nested.wat"), NESTED).unwrap();
    for (limits, want) in [
        // Not rewritten: the engine's coordinates are the module's.
        (
            &[][..],
            vec![
                "nested.cwasm!b @ ",
                "nested.cwasm!a @ ",
                "nested.cwasm!main @ ",
            ],
        ),
        // Rewritten, and the module's bytes are not at hand: the names only.
        (
            &["--fuel", "1000"][..],
            vec!["nested.cwasm!b", "nested.cwasm!a", "nested.cwasm!main"],
        ),
    ] {
        let compile = [
            &["compile", "-o", "nested.cwasm"][..],
            limits,
            &["nested.wat"],
        ]
        .concat();
        let (out, err) = run(dir.path(), &compile);
        assert!(out.status.success(), "{err}");
        let args = [&["run"][..], limits, &["nested.cwasm", "--invoke", "main"]].concat();
        let (out, err) = run(dir.path(), &args);
        assert_eq!(out.status.code(), Some(134), "{limits:?}: {err}");
        let frames = frames(&err);
        assert_eq!(frames.len(), 3, "{limits:?}: {err}");
        for (frame, want) in frames.iter().zip(&want) {
            if want.ends_with(" @ ") {
                assert!(frame.starts_with(want), "{limits:?}: {frame} for {want}");
            } else {
                assert_eq!(frame, want, "{limits:?}");
            }
        }
    }
}

/// Fuel and timeout traps are raised by the host, between two instructions of the guest;
/// their frames are the guest's all the same, on every engine (with --backtrace where the
/// engine keeps none for such traps: wasm3, wasmi, wasmer's Singlepass).
#[test]
fn fuel_and_timeout_traps_have_frames_on_every_engine() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("spin.wat"),
        r#"(module
  (func $inner (loop $l (br $l)))
  (func $outer (call $inner))
  (func (export "main") (call $outer)))"#,
    )
    .unwrap();
    for engine in super::common::engines() {
        for (limit, value, trap) in [
            ("--fuel", "100000", "out of fuel"),
            ("--timeout", "100ms", "timeout"),
        ] {
            let args = [
                "run",
                "--engine",
                &engine,
                limit,
                value,
                "--backtrace",
                "spin.wat",
                "--invoke",
                "main",
            ];
            let (out, err) = run(dir.path(), &args);
            assert_eq!(out.status.code(), Some(134), "{engine} {limit}: {err}");
            assert!(err.contains(trap), "{engine} {limit}: {err}");
            let names: Vec<String> = frames(&err)
                .iter()
                .map(|f| f.split(" @ ").next().unwrap().to_string())
                .collect();
            assert_eq!(
                names,
                ["spin.wat!inner", "spin.wat!outer", "spin.wat!main"],
                "{engine} {limit}: {err}"
            );
        }
    }
}
