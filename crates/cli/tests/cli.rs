//! The `wasmux` binary end to end: output, exit statuses and error messages.

mod common;
use common::{engines, text, wasmux_in};
use std::io::Write;
use std::path::Path;
use std::process::Output;

/// The repository root, where the examples are.
fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

/// Runs `wasmux` from the repository root.
fn wasmux(args: &[&str]) -> Output {
    wasmux_in(root(), args)
}

fn stdout(o: &Output) -> String {
    text(&o.stdout)
}

fn stderr(o: &Output) -> String {
    text(&o.stderr)
}

#[test]
fn run_invokes_a_function_on_every_engine() {
    for engine in engines() {
        let out = wasmux(&[
            "run",
            "--engine",
            &engine,
            "examples/fib.wat",
            "--invoke",
            "fib",
            "20",
        ]);
        assert!(out.status.success(), "{engine}: {}", stderr(&out));
        assert_eq!(stdout(&out), "6765\n", "{engine}");
    }
}

#[test]
fn stats_are_one_json_line_on_stderr() {
    let out = wasmux(&[
        "run",
        "--engine",
        "wasmi",
        "--fuel",
        "1000000",
        "--stats",
        "examples/sum.wat",
        "--invoke",
        "sum",
        "100",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let line = stderr(&out);
    let stats: serde_json::Value = serde_json::from_str(line.trim()).unwrap();
    assert_eq!(stats["engine"], "wasmi");
    assert!(stats["fuel_consumed"].as_u64().unwrap() > 100);
    for key in [
        "wall_us",
        "peak_memory_bytes",
        "host_calls",
        "compile_us",
        "instantiate_us",
    ] {
        assert!(stats[key].is_u64(), "{key} missing in {line}");
    }
    // wasmi keeps no compiled code to cache.
    assert_eq!(stats["cache"], "off", "{line}");
}

#[test]
fn limits_stop_guests_with_a_trap_status() {
    let out = wasmux(&[
        "run",
        "--timeout",
        "50ms",
        "examples/spin.wat",
        "--invoke",
        "spin",
    ]);
    assert_eq!(out.status.code(), Some(134), "{}", stderr(&out));
    assert!(stderr(&out).contains("timeout"), "{}", stderr(&out));
    let out = wasmux(&[
        "run",
        "--fuel",
        "100",
        "examples/sum.wat",
        "--invoke",
        "sum",
        "1000",
    ]);
    assert_eq!(out.status.code(), Some(134));
    assert!(stderr(&out).contains("out of fuel"), "{}", stderr(&out));
}

#[test]
fn diff_agrees_on_a_deterministic_function() {
    let out = wasmux(&["diff", "examples/sum.wat", "--invoke", "sum", "1000"]);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    assert!(stdout(&out).contains("all engines agree"));
    assert!(stdout(&out).contains("499500"));
}

#[test]
fn engines_lists_every_engine_with_capabilities() {
    let out = wasmux(&["engines"]);
    assert!(out.status.success());
    let text = stdout(&out);
    for name in [
        "wasmtime",
        "wasmtime:winch",
        "wasmtime:pulley",
        "wasmer",
        "wasm3",
        "wasmi",
    ] {
        assert!(
            text.lines().any(|l| l.starts_with(&format!("{name} "))),
            "{name} missing:\n{text}"
        );
    }
}

fn temp_file(name: &str, bytes: &[u8]) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::File::create(&path)
        .unwrap()
        .write_all(bytes)
        .unwrap();
    let path = path.display().to_string();
    (dir, path)
}

#[test]
fn bad_input_gets_a_clear_error_and_a_nonzero_exit() {
    let (_d, garbage) = temp_file("garbage.wasm", b"\0asm\x01\0\0\0\x05\x03\x01");
    let (_e, invalid_wat) = temp_file("invalid.wat", b"(module (func (result i32)))");
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["validate", &garbage], "byte offset"),
        (vec!["run", &garbage], "garbage.wasm"),
        (vec!["run", &invalid_wat], "invalid.wat"),
        (
            vec!["run", "examples/fib.wat", "--invoke", "fob"],
            "no exported function named `fob`",
        ),
        (
            vec!["run", "examples/fib.wat", "--invoke", "fib"],
            "takes 1 argument",
        ),
        (
            vec!["run", "examples/fib.wat", "--invoke", "fib", "x1"],
            "not a valid i32",
        ),
        (vec!["run", "examples/fib.wat"], "no `_start`"),
        (
            vec!["run", "--engine", "v9", "examples/fib.wat"],
            "unknown engine `v9`",
        ),
        (
            vec!["run", "--max-memory", "lots", "examples/fib.wat"],
            "bad size",
        ),
        (
            vec!["run", "--timeout", "soon", "examples/fib.wat"],
            "bad duration",
        ),
        (vec!["run", "no/such/file.wasm"], "no/such/file.wasm"),
    ];
    for (args, want) in cases {
        let out = wasmux(&args);
        assert!(!out.status.success(), "{args:?} succeeded");
        assert!(
            stderr(&out).contains(want),
            "{args:?}: expected `{want}` in:\n{}",
            stderr(&out)
        );
        assert!(!stderr(&out).contains("panicked"), "{args:?} panicked");
    }
}

#[test]
fn missing_imports_are_named_by_the_cli() {
    let (_d, path) = temp_file(
        "needs.wat",
        br#"(module (import "env" "tick" (func)) (func (export "f") (call 0)))"#,
    );
    let out = wasmux(&["run", &path, "--invoke", "f"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("env::tick"), "{}", stderr(&out));
    let out = wasmux(&[
        "run",
        "--unknown-imports",
        "default",
        &path,
        "--invoke",
        "f",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn wast_runs_a_script_and_ends_with_the_totals_line() {
    let (_d, path) = temp_file(
        "mini.wast",
        br#"(module (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1))))
(assert_return (invoke "add" (i32.const 1) (i32.const 2)) (i32.const 3))
(assert_return (invoke "add" (i32.const 1) (i32.const 2)) (i32.const 4))
(assert_trap (module (func $f unreachable) (start $f)) "unreachable")"#,
    );
    for engine in engines() {
        let out = wasmux(&["wast", "--engine", &engine, &path]);
        assert_eq!(out.status.code(), Some(1), "{engine}: {}", stderr(&out));
        let text = stdout(&out);
        assert!(text.ends_with("3 passed, 1 failed\n"), "{engine}: {text}");
        assert!(text.contains("mini.wast:3:"), "{engine}: {text}");
    }
    let (_e, broken) = temp_file(
        "broken.wast",
        b"(module (func $f (i32.add)))\n(assert_return",
    );
    let out = wasmux(&["wast", &broken]);
    assert!(!out.status.success());
    assert!(stdout(&out).contains("broken.wast"), "{}", stdout(&out));
    assert!(!stderr(&out).contains("panicked"));
}

/// A valid module of about `mib` MiB: many functions `() -> i32` of `i32.const 1; drop` runs.
fn large_module(mib: usize) -> Vec<u8> {
    use wasm_encoder::{
        CodeSection, ExportKind, ExportSection, Function, FunctionSection, Instruction, Module,
        TypeSection, ValType,
    };
    const FUNCS: usize = 4096;
    let mut body = Function::new([]);
    for _ in 0..mib * 1024 * 1024 / FUNCS / 3 {
        body.instruction(&Instruction::I32Const(1));
        body.instruction(&Instruction::Drop);
    }
    body.instruction(&Instruction::I32Const(0));
    body.instruction(&Instruction::End);
    let mut types = TypeSection::new();
    types.ty().function([], [ValType::I32]);
    let (mut funcs, mut code) = (FunctionSection::new(), CodeSection::new());
    for _ in 0..FUNCS {
        funcs.function(0);
        code.function(&body);
    }
    let mut exports = ExportSection::new();
    exports.export("f0", ExportKind::Func, 0);
    let mut module = Module::new();
    module
        .section(&types)
        .section(&funcs)
        .section(&exports)
        .section(&code);
    module.finish()
}

#[test]
fn a_large_module_shows_what_is_compiled_where_on_a_terminal_only() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.wasm");
    std::fs::write(&path, large_module(8)).unwrap();
    let module = path.display().to_string();
    // `script` gives wasmux a terminal; the spinner's frames land in the captured output.
    let command = format!(
        "{} run --engine wasmi --invoke f0 {module}",
        env!("CARGO_BIN_EXE_wasmux")
    );
    let out = std::process::Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .output()
        .expect("script runs");
    let screen = text(&out.stdout);
    assert!(out.status.success(), "{screen}");
    assert!(
        screen.contains("big.wasm (8.0 MiB)") && screen.contains("on wasmi"),
        "no progress on a terminal:\n{screen}"
    );
    assert!(screen.trim_end().ends_with('0'), "{screen}");
    // Without a terminal, only the result.
    let out = wasmux_in(
        dir.path(),
        &["run", "--engine", "wasmi", "--invoke", "f0", &module],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!((stdout(&out).as_str(), stderr(&out).as_str()), ("0\n", ""));
}

#[path = "cli/cache.rs"]
mod cache;
#[path = "cli/malformed.rs"]
mod malformed;

#[path = "cli/bench.rs"]
mod bench;

#[path = "cli/build.rs"]
mod build;

#[path = "cli/auto.rs"]
mod auto;

#[path = "cli/registry.rs"]
mod registry;

#[path = "cli/registry_remote.rs"]
mod registry_remote;

#[path = "../../wasi/tests/common/guests.rs"]
mod guests;

#[path = "cli/inspect.rs"]
mod inspect;

#[path = "cli/devtools.rs"]
mod devtools;

#[path = "cli/trap_report.rs"]
mod trap_report;

#[path = "cli/platform.rs"]
mod platform;

#[path = "cli/foreign_artifact.rs"]
mod foreign_artifact;
