//! `wasmux cache ls|size|clean` on a cache filled through the library, as `run` fills it.

use super::common::{text, wasmux_command};
use super::{root, wasmux};
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

/// `wasmux run --stats` of fib(20) with `cache` as its compile cache: what it printed, and
/// its stats line.
fn run_cached(cache: &Path, engine: &str, extra: &[&str]) -> (Output, serde_json::Value) {
    let cache = cache.to_str().unwrap();
    let where_: &[&str] = if extra.contains(&"--no-cache") {
        &[]
    } else {
        &["--cache", cache]
    };
    let args = [
        &["run", "--engine", engine, "--stats"][..],
        where_,
        extra,
        &["examples/fib.wat", "--invoke", "fib", "20"],
    ]
    .concat();
    let out = wasmux_command(root(), &args).output().unwrap();
    let err = text(&out.stderr);
    let stats = err
        .lines()
        .find_map(|l| serde_json::from_str(l).ok())
        .unwrap_or(serde_json::Value::Null);
    (out, stats)
}

/// Every engine variant that writes compiled code.
fn caching_engines() -> Vec<String> {
    wasmux::all_engines()
        .into_iter()
        .filter(|e| e.artifact_key().is_some())
        .map(|e| e.info().name.clone())
        .collect()
}

#[test]
fn a_second_run_loads_what_the_first_compiled_on_every_caching_engine() {
    let engines = caching_engines();
    assert!(engines.len() >= 4, "{engines:?}");
    for engine in engines {
        let dir = tempfile::tempdir().unwrap();
        let (first, stats) = run_cached(dir.path(), &engine, &[]);
        assert_eq!(
            text(&first.stdout),
            "6765\n",
            "{engine}: {}",
            text(&first.stderr)
        );
        assert_eq!(stats["cache"], "miss", "{engine}");
        let (second, stats) = run_cached(dir.path(), &engine, &[]);
        assert_eq!(text(&second.stdout), "6765\n", "{engine}");
        assert_eq!(stats["cache"], "hit", "{engine}: {}", text(&second.stderr));
        // Other limits are other code: a miss, then its own entry beside the first.
        let (_, stats) = run_cached(dir.path(), &engine, &["--fuel", "1000000"]);
        assert_eq!(stats["cache"], "miss", "{engine}");
        let (_, stats) = run_cached(dir.path(), &engine, &["--no-cache"]);
        assert_eq!(stats["cache"], "off", "{engine}");
        assert_eq!(CompileCache::open(dir.path()).list().unwrap().len(), 2);
    }
}

#[test]
fn a_damaged_entry_is_compiled_again_and_replaced() {
    let dir = tempfile::tempdir().unwrap();
    run_cached(dir.path(), "wasmtime", &[]);
    let cache = CompileCache::open(dir.path());
    let path = cache.list().unwrap()[0].path.clone();
    let mut bytes = std::fs::read(&path).unwrap();
    for damage in ["flip", "truncate"] {
        match damage {
            "flip" => {
                let at = bytes.len() - 100;
                bytes[at] ^= 0x40;
                std::fs::write(&path, &bytes).unwrap();
            }
            _ => std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap(),
        }
        let (out, stats) = run_cached(dir.path(), "wasmtime", &[]);
        assert_eq!(
            text(&out.stdout),
            "6765\n",
            "{damage}: {}",
            text(&out.stderr)
        );
        assert_eq!(stats["cache"], "miss", "{damage}");
        let (_, stats) = run_cached(dir.path(), "wasmtime", &[]);
        assert_eq!(
            stats["cache"], "hit",
            "{damage}: the entry was not replaced"
        );
        bytes = std::fs::read(&path).unwrap();
    }
}

#[test]
fn a_cache_that_cannot_be_written_is_reported_and_the_module_runs() {
    // A path under a regular file can be written by nobody, root included.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("file");
    std::fs::write(&file, "not a directory").unwrap();
    let (out, stats) = run_cached(&file.join("cache"), "wasmtime", &[]);
    let err = text(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert_eq!(text(&out.stdout), "6765\n");
    assert_eq!(stats["cache"], "miss");
    assert_eq!(
        err.matches("warning").count(),
        1,
        "one warning naming the cache: {err}"
    );
    assert!(err.contains("compiled code is not kept"), "{err}");
}

#[test]
fn processes_filling_one_entry_at_once_all_run_and_leave_it_whole() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().to_str().unwrap();
    let children: Vec<_> = (0..4)
        .map(|_| {
            wasmux_command(
                root(),
                [
                    "run",
                    "--cache",
                    cache,
                    "examples/fib.wat",
                    "--invoke",
                    "fib",
                    "20",
                ],
            )
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert_eq!(text(&out.stdout), "6765\n", "{}", text(&out.stderr));
    }
    let listed = CompileCache::open(dir.path()).list().unwrap();
    assert_eq!(listed.len(), 1, "{listed:?}");
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with(".tmp")
        })
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    let (_, stats) = run_cached(dir.path(), "wasmtime", &[]);
    assert_eq!(stats["cache"], "hit");
}

#[test]
fn a_compiled_file_runs_where_it_was_compiled_for_and_nowhere_else() {
    let engines = wasmux(&["engines", "--json"]);
    let engines: serde_json::Value = serde_json::from_slice(&engines.stdout).unwrap();
    let triple = engines["triple"].as_str().unwrap().to_string();
    let other = if triple.starts_with("aarch64") {
        "x86_64-unknown-linux-gnu"
    } else {
        "aarch64-unknown-linux-gnu"
    };
    let dir = tempfile::tempdir().unwrap();
    let file = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    let (host, arm, metered) = (
        file("fib.cwasm"),
        file("fib.arm.cwasm"),
        file("fib.fuel.cwasm"),
    );
    for (extra, out) in [
        (vec![], &host),
        (vec!["--target", other], &arm),
        (vec!["--fuel", "1000000"], &metered),
    ] {
        let args = [&["compile"][..], &extra, &["examples/fib.wat", "-o", out]].concat();
        let made = wasmux(&args);
        assert!(made.status.success(), "{args:?}: {}", text(&made.stderr));
    }
    let run = |args: &[&str]| wasmux(&[&["run", "--no-cache"][..], args].concat());
    let ok = run(&[&host, "--invoke", "fib", "20"]);
    assert_eq!(text(&ok.stdout), "6765\n", "{}", text(&ok.stderr));
    let ok = run(&[
        "--fuel", "1000000", "--stats", &metered, "--invoke", "fib", "20",
    ]);
    assert_eq!(text(&ok.stdout), "6765\n", "{}", text(&ok.stderr));
    assert!(text(&ok.stderr).contains("\"fuel_consumed\":"), "metered");

    for (args, expected) in [
        (
            vec!["--engine", "wasmer", host.as_str()],
            format!("compiled for wasmtime 48.0.8 on {triple}; this is wasmer 7.4.2 on {triple}"),
        ),
        (
            vec![arm.as_str()],
            format!("compiled for wasmtime 48.0.8 on {other}; this is wasmtime 48.0.8 on {triple}"),
        ),
        (
            vec!["--fuel", "10", host.as_str()],
            "this run needs fuel metering on".into(),
        ),
        (
            vec![metered.as_str()],
            "compiled with fuel metering on".into(),
        ),
        (
            vec!["--engine", "wasmi", host.as_str()],
            "wasmi does not write compiled code".into(),
        ),
    ] {
        let out = run(&[&args[..], &["--invoke", "fib", "20"]].concat());
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert!(err.contains(&expected), "{args:?}: {err}");
    }

    // A damaged file is refused, not loaded.
    let mut bytes = std::fs::read(&host).unwrap();
    let at = bytes.len() / 2;
    bytes[at] ^= 1;
    std::fs::write(&host, &bytes).unwrap();
    let out = run(&[&host, "--invoke", "fib", "20"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("corrupt"),
        "{}",
        text(&out.stderr)
    );

    let out = wasmux(&[
        "compile",
        "--engine",
        "wasmi",
        "examples/fib.wat",
        "-o",
        &host,
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("wasmi does not support writing compiled code"));
}
