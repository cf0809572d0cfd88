//! `wasmux cache ls|size|clean` on a cache filled through the library, as `run` fills it.

use super::common::{text, wasmux_command};
use std::path::Path;
use std::process::Output;
use wasmux::{CacheKey, CompileCache, Entry};

fn cache_cmd(cache: &Path, args: &[&str]) -> Output {
    let out = wasmux_command(Path::new("."), args)
        .env("WASMUX_CACHE", cache)
        .output()
        .expect("wasmux runs");
    assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
    out
}

/// A cache with fib compiled by wasmtime, and a file the cache did not write.
fn filled() -> (tempfile::TempDir, CompileCache, CacheKey) {
    let dir = tempfile::tempdir().unwrap();
    let cache = CompileCache::open(dir.path().join("cache"));
    let engine = wasmux::engine("wasmtime").unwrap();
    let wasm = wasmux::Module::from_file(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/fib.wat"
    ))
    .unwrap()
    .bytes()
    .to_vec();
    let artifact = engine
        .serialize(engine.compile(&wasm).unwrap().as_ref())
        .unwrap()
        .unwrap();
    let key = CacheKey::new(&wasm, "no rewriting", engine.artifact_key().unwrap());
    let entry = Entry {
        metadata: Vec::new(),
        artifact,
    };
    cache.put(&key, &entry).unwrap();
    std::fs::write(cache.dir().join("README"), "not an entry").unwrap();
    (dir, cache, key)
}

#[test]
fn ls_lists_entries_as_a_table_and_as_json() {
    let (_d, cache, key) = filled();
    let out = cache_cmd(cache.dir(), &["cache", "ls", "--json"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let entries = json.as_array().unwrap();
    assert_eq!(entries.len(), 1, "{json}");
    assert_eq!(entries[0]["engine"], "wasmtime");
    assert_eq!(entries[0]["version"], key.engine.version.as_str());
    assert_eq!(entries[0]["target"], key.engine.target.as_str());
    assert_eq!(entries[0]["options"], "no rewriting");
    assert!(entries[0]["error"].is_null());

    let table = text(&cache_cmd(cache.dir(), &["cache", "ls"]).stdout);
    let lines: Vec<&str> = table.lines().collect();
    assert!(lines[0].starts_with("ENTRY"), "{table}");
    assert_eq!(lines.len(), 2, "{table}");
    assert!(
        lines[1].contains(&key.engine.target) && lines[1].ends_with("ok"),
        "{table}"
    );
}

#[test]
fn a_damaged_entry_is_listed_with_its_reason() {
    let (_d, cache, key) = filled();
    std::fs::write(cache.path_of(&key), b"\0wasmux").unwrap();
    let out = cache_cmd(cache.dir(), &["cache", "ls", "--json"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        json[0]["error"],
        "truncated: 7 bytes where the header needs at least 8"
    );
}

#[test]
fn size_and_clean_count_entries_and_leave_other_files() {
    let (_d, cache, _key) = filled();
    let out = cache_cmd(cache.dir(), &["cache", "size", "--json"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["files"], 1);
    let bytes = json["bytes"].as_u64().unwrap();
    assert!(bytes > 1000, "{json}");

    // --dir wins over the environment.
    let out = wasmux_command(
        Path::new("."),
        ["cache", "clean", "--dir", cache.dir().to_str().unwrap()],
    )
    .env("WASMUX_CACHE", "/nonexistent")
    .output()
    .unwrap();
    assert!(
        text(&out.stdout).starts_with("removed 1 file, "),
        "{}",
        text(&out.stdout)
    );
    assert!(text(&out.stdout).contains(&format!("({bytes} bytes)")));
    assert!(cache.dir().join("README").exists());

    let out = cache_cmd(cache.dir(), &["cache", "ls"]);
    assert_eq!(
        text(&out.stdout),
        format!("no entries in {}\n", cache.dir().display())
    );
}

#[test]
fn a_missing_cache_directory_is_empty() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("never-created");
    let out = cache_cmd(&missing, &["cache", "size"]);
    assert!(
        text(&out.stdout).starts_with("0 files, 0 B (0 bytes)"),
        "{}",
        text(&out.stdout)
    );
    assert!(!missing.exists());
}
