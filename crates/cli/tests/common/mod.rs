//! What every end-to-end test of the `wasmux` binary needs: running it and listing its engines.
#![allow(dead_code)]

use std::ffi::OsStr;
use std::path::Path;
use std::process::{Command, Output};

/// The built `wasmux` with `args`, to run in `dir`. The host gets one variable of its own,
/// which a guest must only see when its policy grants it. The compile cache is the tests' own,
/// in the build directory, so the user's is left alone and later runs exercise the cache.
///
/// With `WASMUX_TEST_RUNNER` set (`qemu-aarch64 -L /usr/aarch64-linux-gnu`), the binary runs
/// under it: tests of a cross build run under an emulator that cannot start foreign binaries
/// by itself (`scripts/cross-test`).
pub fn wasmux_command<S: AsRef<OsStr>>(dir: &Path, args: impl IntoIterator<Item = S>) -> Command {
    let exe = env!("CARGO_BIN_EXE_wasmux");
    let runner = std::env::var("WASMUX_TEST_RUNNER").unwrap_or_default();
    let mut runner = runner.split_whitespace();
    let mut cmd = match runner.next() {
        Some(program) => {
            let mut cmd = Command::new(program);
            cmd.args(runner).arg(exe);
            cmd
        }
        None => Command::new(exe),
    };
    cmd.args(args)
        .current_dir(dir)
        .env("WASMUX_TEST_HOST_VAR", "from host")
        .env(
            "WASMUX_CACHE",
            Path::new(env!("CARGO_TARGET_TMPDIR")).join("compile-cache"),
        );
    cmd
}

/// Runs the built `wasmux` in `dir` and collects what it printed.
pub fn wasmux_in(dir: &Path, args: &[&str]) -> Output {
    wasmux_command(dir, args).output().expect("wasmux runs")
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Every engine variant the binary offers, or those of them named in `WASMUX_TEST_ENGINES`
/// (comma-separated): an emulated run (`scripts/cross-test`) cannot afford them all.
pub fn engines() -> Vec<String> {
    let out = wasmux_in(Path::new("."), &["engines", "--json"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let all: Vec<String> = json["engines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap().to_string())
        .collect();
    match std::env::var("WASMUX_TEST_ENGINES") {
        Ok(only) => only
            .split(',')
            .map(|name| {
                assert!(
                    all.iter().any(|e| e == name),
                    "WASMUX_TEST_ENGINES: no engine {name}"
                );
                name.to_string()
            })
            .collect(),
        Err(_) => all,
    }
}
