//! Builds the test guests once per test process and runs them on every engine.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use wasmux::wasi::{Pipe, Stdio, WasiCtx};
use wasmux::{Error, Module, Runtime};

/// Every engine variant in this build.
pub fn engines() -> Vec<String> {
    let names = wasmux::engine_names();
    assert!(!names.is_empty(), "no engines in this build");
    names
}

fn guests_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../guests")
}

/// Builds `guests/` for wasm32-wasip1 the first time a test asks; cargo's own lock on the
/// guests' target directory serialises test binaries that build at the same time.
fn build_guests() -> &'static Result<PathBuf, String> {
    static BUILT: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    BUILT.get_or_init(|| {
        let dir = guests_dir();
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let mut cmd = Command::new(cargo);
        cmd.current_dir(&dir)
            .args(["build", "--release", "--target", "wasm32-wasip1"]);
        // The outer build's settings are for the host workspace, not for the guests.
        for var in [
            "CARGO_TARGET_DIR",
            "CARGO_BUILD_TARGET",
            "RUSTFLAGS",
            "CARGO_ENCODED_RUSTFLAGS",
            "CARGO_BUILD_RUSTFLAGS",
            "RUSTC_WRAPPER",
            "RUSTC_WORKSPACE_WRAPPER",
        ] {
            cmd.env_remove(var);
        }
        let out = cmd.output().map_err(|e| format!("cannot run cargo: {e}"))?;
        if !out.status.success() {
            return Err(String::from_utf8_lossy(&out.stderr).into_owned());
        }
        Ok(dir.join("target/wasm32-wasip1/release"))
    })
}

pub fn guest(name: &str) -> Module {
    let dir = build_guests()
        .as_ref()
        .unwrap_or_else(|e| panic!("building guests failed:\n{e}"));
    Module::from_file(dir.join(format!("{name}.wasm"))).unwrap()
}

/// What a guest run produced.
#[derive(Debug, PartialEq, Eq)]
pub struct Outcome {
    pub stdout: String,
    pub stderr: String,
    /// The exit status, or the trap that ended the guest.
    pub status: Result<i32, String>,
}

/// Runs `_start` of `module` on `engine` with the context `setup` builds; stdout and stderr
/// are captured.
pub fn run(engine: &str, module: &Module, setup: impl FnOnce(WasiCtx) -> WasiCtx) -> Outcome {
    let (out, err) = (Pipe::new(), Pipe::new());
    // Output is always captured, whatever context `setup` returns.
    let ctx = setup(WasiCtx::new())
        .stdout(Stdio::Pipe(out.clone()))
        .stderr(Stdio::Pipe(err.clone()));
    let runtime = Runtime::builder().engine(engine).wasi(ctx).build().unwrap();
    let status = match runtime.instantiate(module) {
        Err(e) => Err(format!("instantiate: {e}")),
        Ok(mut inst) => match inst.call("_start", &[]) {
            Ok(_) => Ok(0),
            Err(Error::Exit(code)) => Ok(code),
            Err(e) => Err(e.to_string()),
        },
    };
    Outcome {
        stdout: out.contents_string(),
        stderr: err.contents_string(),
        status,
    }
}

/// Runs the guest on every engine and checks they all agree; returns the common outcome.
pub fn run_everywhere(name: &str, setup: impl Fn(WasiCtx) -> WasiCtx) -> Outcome {
    let module = guest(name);
    let mut first: Option<(String, Outcome)> = None;
    for engine in engines() {
        let outcome = run(&engine, &module, &setup);
        match &first {
            None => first = Some((engine, outcome)),
            Some((e0, o0)) => assert_eq!(&outcome, o0, "{name}: {engine} differs from {e0}"),
        }
    }
    first.unwrap().1
}

