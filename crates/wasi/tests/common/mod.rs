//! Builds the test guests once per test process and runs them on every engine.
#![allow(dead_code)]

#[path = "guests.rs"]
mod guests;
pub use guests::guest_path;
use wasmux::wasi::{Pipe, Stdio, WasiCtx};
use wasmux::{Error, Limits, Module, Runtime};

/// Every engine variant in this build.
pub fn engines() -> Vec<String> {
    let names = wasmux::engine_names();
    assert!(!names.is_empty(), "no engines in this build");
    names
}

pub fn guest(name: &str) -> Module {
    Module::from_file(guest_path(name)).unwrap()
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
    run_limited(engine, module, Limits::default(), setup)
}

/// [`run`] under `limits`.
pub fn run_limited(
    engine: &str,
    module: &Module,
    limits: Limits,
    setup: impl FnOnce(WasiCtx) -> WasiCtx,
) -> Outcome {
    let (out, err) = (Pipe::new(), Pipe::new());
    // Output is always captured, whatever context `setup` returns.
    let ctx = setup(WasiCtx::new())
        .stdout(Stdio::Pipe(out.clone()))
        .stderr(Stdio::Pipe(err.clone()));
    let runtime = Runtime::builder()
        .engine(engine)
        .limits(limits)
        .wasi_shared(ctx)
        .build()
        .unwrap();
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

/// Calls `export` of a test guest whose exports return one errno (or count), and returns it;
/// anything else (a trap, another result) fails the test, naming the export.
pub fn call_i32(instance: &mut wasmux::Instance, export: &str, args: &[wasmux::Val]) -> i32 {
    match instance.call(export, args) {
        Ok(v) => match v[..] {
            [wasmux::Val::I32(e)] => e,
            _ => panic!("{export}: {v:?}"),
        },
        Err(e) => panic!("{export}: {e}"),
    }
}

/// An instance of `module` on `engine` with WASI from `ctx` and no limits.
pub fn instantiate(engine: &str, module: &Module, ctx: WasiCtx) -> wasmux::Instance {
    let runtime = Runtime::builder()
        .engine(engine)
        .wasi_shared(ctx)
        .build()
        .unwrap();
    runtime.instantiate(module).unwrap()
}
