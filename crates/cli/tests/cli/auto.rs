//! `--engine auto`: the engine it picks for a small module, a large one, a cached one, and one
//! the interpreter it would pick cannot run.

use super::common::{text, wasmux_command};
use std::path::Path;

/// `wasmux run --engine auto --stats` in `cache`: the engine it ran on and the reason given.
fn auto(cache: &Path, module: &Path, args: &[&str]) -> (String, String) {
    let cache = cache.to_str().unwrap();
    let module = module.to_str().unwrap();
    let all = [
        &[
            "run", "--engine", "auto", "--stats", "--cache", cache, module,
        ][..],
        args,
    ]
    .concat();
    let out = wasmux_command(Path::new("."), &all).output().unwrap();
    let err = text(&out.stderr);
    assert!(out.status.success(), "{all:?}: {err}");
    let stats: serde_json::Value = err
        .lines()
        .find_map(|l| serde_json::from_str(l).ok())
        .unwrap_or_else(|| panic!("no stats line: {err}"));
    (
        stats["engine"].as_str().unwrap().to_string(),
        stats["engine_choice"].as_str().unwrap().to_string(),
    )
}

/// A module of about `size` bytes (a passive data segment) exporting `run`, which returns
/// 7 and, with `exceptions`, throws and catches on the way.
fn module(dir: &Path, size: usize, exceptions: bool) -> std::path::PathBuf {
    let (tag, body) = if exceptions {
        (
            "(tag $e (param i32))",
            "(block $h (result i32) (try_table (catch $e $h) (throw $e (i32.const 7))) (i32.const 0))",
        )
    } else {
        ("", "(i32.const 7)")
    };
    let wat = format!(
        r#"(module {tag} (memory 1) (data "{}")
             (func (export "run") (result i32) {body}))"#,
        "\\00".repeat(size)
    );
    let path = dir.join(format!("m{size}{exceptions}.wat"));
    std::fs::write(&path, wat).unwrap();
    // Binary, so that its size is the module's and the cache can know it.
    let wasm = wat::parse_file(&path).unwrap();
    let path = path.with_extension("wasm");
    std::fs::write(&path, wasm).unwrap();
    path
}

#[test]
fn auto_compiles_small_modules_and_interprets_large_uncached_ones() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let small = module(dir.path(), 100, false);
    let (engine, why) = auto(&cache, &small, &["--invoke", "run"]);
    assert_eq!(engine, "wasmtime", "{why}");

    let large = module(dir.path(), 200_000, false);
    let (engine, why) = auto(&cache, &large, &["--invoke", "run"]);
    assert_eq!(engine, "wasmi", "{why}");
    assert!(why.contains("large"), "{why}");

    // Once Cranelift's code for it is cached, it is loaded instead.
    let filled = wasmux_command(
        Path::new("."),
        [
            "run",
            "--cache",
            cache.to_str().unwrap(),
            large.to_str().unwrap(),
            "--invoke",
            "run",
        ],
    )
    .output()
    .unwrap();
    assert!(filled.status.success(), "{}", text(&filled.stderr));
    let (engine, why) = auto(&cache, &large, &["--invoke", "run"]);
    assert_eq!(engine, "wasmtime", "{why}");
    assert!(why.contains("cache"), "{why}");
}

#[test]
fn auto_runs_on_wasmtime_what_the_interpreter_cannot() {
    let dir = tempfile::tempdir().unwrap();
    // wasmi has no exception handling.
    let large = module(dir.path(), 200_000, true);
    let (engine, why) = auto(&dir.path().join("cache"), &large, &["--invoke", "run"]);
    assert_eq!(engine, "wasmtime", "{why}");
}
