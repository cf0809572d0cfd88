//! Compiled files (`wasmux compile`) that cannot run here: for another platform, another
//! engine version, cut short or damaged. Each is refused with an error naming what it is and
//! what this is, never loaded and never a crash.

use super::common::text;
use super::wasmux;
use wasmux::{Module, Runtime};

/// The target triple this `wasmux` was built for, and one it was not.
fn host_and_foreign() -> (String, &'static str) {
    let out = wasmux(&["engines", "--json"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let host = json["triple"].as_str().unwrap().to_string();
    let foreign = if host.starts_with("aarch64") {
        "x86_64-unknown-linux-gnu"
    } else {
        "aarch64-unknown-linux-gnu"
    };
    (host, foreign)
}

/// `wasmux run --no-cache FILE --invoke fib 20`, which must fail with status 1 and say
/// `expected` on stderr.
fn refused(file: &str, expected: &str) {
    let out = wasmux(&["run", "--no-cache", file, "--invoke", "fib", "20"]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{file}: {err}");
    assert!(
        err.contains(expected),
        "{file}: wanted {expected:?} in {err}"
    );
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn a_file_for_another_platform_names_both_platforms() {
    let (host, foreign) = host_and_foreign();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("fib.foreign.cwasm");
    let file = file.to_str().unwrap();
    let made = wasmux(&[
        "compile",
        "--target",
        foreign,
        "examples/fib.wat",
        "-o",
        file,
    ]);
    assert!(made.status.success(), "{}", text(&made.stderr));
    refused(
        file,
        &format!("compiled for wasmtime 48.0.8 on {foreign}; this is wasmtime 48.0.8 on {host}"),
    );
}

#[test]
fn a_file_of_another_engine_version_names_both_versions() {
    let (host, _) = host_and_foreign();
    let module = Module::from_file(super::root().join("examples/fib.wat")).unwrap();
    let runtime = Runtime::builder().engine("wasmtime").build().unwrap();
    let (mut key, entry) = runtime.compile_artifact(&module, None).unwrap();
    // As an older wasmux would have written it: a well-formed file, its checksum intact.
    key.engine.version = "47.0.0".into();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("fib.old.cwasm");
    wasmux::write_aot(&file, &key, &entry).unwrap();
    refused(
        file.to_str().unwrap(),
        &format!("compiled for wasmtime 47.0.0 on {host}; this is wasmtime 48.0.8 on {host}"),
    );
}

#[test]
fn a_file_cut_short_or_flipped_is_refused_before_any_engine_loads_it() {
    let dir = tempfile::tempdir().unwrap();
    let whole = dir.path().join("fib.cwasm");
    let made = wasmux(&["compile", "examples/fib.wat", "-o", whole.to_str().unwrap()]);
    assert!(made.status.success(), "{}", text(&made.stderr));
    let bytes = std::fs::read(&whole).unwrap();
    let variant = |name: &str, bytes: &[u8]| {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        path.to_str().unwrap().to_string()
    };
    // Cut in the header, in the code, and one byte short.
    for len in [20, bytes.len() / 2, bytes.len() - 1] {
        let file = variant(&format!("cut{len}.cwasm"), &bytes[..len]);
        refused(&file, "truncated: ");
    }
    let mut longer = bytes.clone();
    longer.push(0);
    refused(
        &variant("longer.cwasm", &longer),
        "bytes where the header says",
    );
    // A flipped bit in the header's target and in the code: the checksum finds both.
    let at = bytes
        .windows(6)
        .position(|w| w == b"x86_64" || w == b"aarch6");
    for at in [at.expect("the target in the header"), bytes.len() - 10] {
        let mut flipped = bytes.clone();
        flipped[at] ^= 0x20;
        refused(
            &variant(&format!("flip{at}.cwasm"), &flipped),
            "corrupt: the checksum does not match the contents",
        );
    }
    // Another format's file (a future wasmux) is named as such.
    let mut future = bytes.clone();
    future[8] = 99;
    refused(&variant("future.cwasm", &future), "written in format 99");
}

/// Code compiled elsewhere for this target has another settings digest (it assumes only the
/// target's baseline CPU): wasmtime, which checks settings itself when loading, runs it;
/// wasmer, which does not, refuses it naming both digests.
#[test]
fn a_file_of_other_settings_runs_where_the_engine_checks_them_itself() {
    let module = Module::from_file(super::root().join("examples/fib.wat")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    for (engine, runs) in [("wasmtime", true), ("wasmer", false)] {
        let runtime = Runtime::builder().engine(engine).build().unwrap();
        let (mut key, entry) = runtime.compile_artifact(&module, None).unwrap();
        key.engine.config = "0123456789abcdef".into();
        let file = dir.path().join(format!("fib.{engine}.cwasm"));
        wasmux::write_aot(&file, &key, &entry).unwrap();
        let file = file.to_str().unwrap();
        if runs {
            let out = wasmux(&["run", "--no-cache", file, "--invoke", "fib", "20"]);
            assert_eq!(text(&out.stdout), "6765\n", "{}", text(&out.stderr));
        } else {
            let out = wasmux(&[
                "run",
                "--no-cache",
                "--engine",
                engine,
                file,
                "--invoke",
                "fib",
                "20",
            ]);
            assert_eq!(out.status.code(), Some(1));
            assert!(
                text(&out.stderr).contains("with other settings (digest 0123456789abcdef; "),
                "{}",
                text(&out.stderr)
            );
        }
    }
}
