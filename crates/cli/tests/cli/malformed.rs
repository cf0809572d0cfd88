//! Every module of `tests/malformed/` on every engine through `wasmux run`: a clear error or a
//! clean run, never a crash of the host (a signal, a panic's status 101, an abort).

use super::common::{engines, text, wasmux_command};
// The modules are named relative to the root, as a user would type them.
use super::root;
use std::os::unix::process::ExitStatusExt;
use std::process::Output;
use std::sync::Mutex;

/// The `.wasm` files of `tests/malformed/<kind>`, relative to the root, in a stable order.
fn cases(kind: &str) -> Vec<String> {
    let dir = root().join("tests/malformed").join(kind);
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".wasm"))
        .map(|n| format!("tests/malformed/{kind}/{n}"))
        .collect();
    files.sort();
    assert!(files.len() >= 10, "{}: too few cases", dir.display());
    files
}

/// One `wasmux run` to make, and what it printed.
struct Case {
    engine: String,
    module: String,
    flags: Vec<&'static str>,
}

impl Case {
    fn describe(&self) -> String {
        format!(
            "wasmux run --engine {} {}{}",
            self.engine,
            self.flags
                .iter()
                .map(|f| format!("{f} "))
                .collect::<String>(),
            self.module
        )
    }
}

/// Runs every case, two at a time (the machines have two cores), and returns each with its
/// output.
fn run_all(cases: Vec<Case>) -> Vec<(Case, Output)> {
    let queue = Mutex::new(cases);
    let done = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| loop {
                let Some(case) = queue.lock().unwrap().pop() else {
                    return;
                };
                let mut args = vec!["run", "--engine", &case.engine];
                args.extend(&case.flags);
                args.push(&case.module);
                let out = wasmux_command(root(), &args).output().expect("wasmux runs");
                done.lock().unwrap().push((case, out));
            });
        }
    });
    done.into_inner().unwrap()
}

/// What must hold for any input: an exit status of its own (no signal), no panic (101), and
/// on failure a message that names the module.
fn crash(case: &Case, out: &Output) -> Option<String> {
    let stderr = text(&out.stderr);
    let problem = match out.status.code() {
        None => format!("killed by signal {:?}", out.status.signal()),
        Some(101) => "panicked (status 101)".to_string(),
        Some(_) if stderr.contains("panicked") => "panicked".to_string(),
        // A trap of the guest's own code is the guest's failure, reported as wasmtime does.
        Some(0 | 134) => return None,
        Some(1) if stderr.contains(&case.module) => return None,
        Some(1) => "the error does not name the module".to_string(),
        Some(code) => format!("unexpected exit status {code}"),
    };
    Some(format!("{}: {problem}\n{stderr}", case.describe()))
}

#[test]
fn invalid_modules_are_refused_with_file_and_byte_offset_on_every_engine() {
    let cases = engines()
        .into_iter()
        .flat_map(|engine| {
            cases("invalid").into_iter().map(move |module| Case {
                engine: engine.clone(),
                module,
                flags: vec![],
            })
        })
        .collect();
    let mut failures = Vec::new();
    for (case, out) in run_all(cases) {
        let stderr = text(&out.stderr);
        if let Some(crash) = crash(&case, &out) {
            failures.push(crash);
        } else if out.status.code() != Some(1) || !stderr.contains("byte offset") {
            failures.push(format!(
                "{}: expected status 1 and `{}: invalid module at byte offset ...`, got {:?}\n{stderr}",
                case.describe(),
                case.module,
                out.status.code(),
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Compile times of 100,000-deep nesting, measured on two cores: Cranelift and Pulley (which
/// compiles with Cranelift) take 40 s to minutes per module in a debug build, and so does LLVM
/// there; once fuel checks are added (a check in every loop), LLVM takes over 7 minutes in a
/// debug build and over 2 in release, Cranelift over 45 s in release. Those runs are left out
/// (the release test keeps the three without limits, about a second each); the same modules
/// run on every other engine.
fn too_slow(case: &Case) -> bool {
    if !case.module.contains("/100000-nested-") {
        return false;
    }
    match case.engine.as_str() {
        "wasmtime" | "wasmtime:pulley" | "wasmer:llvm" => {
            cfg!(debug_assertions) || !case.flags.is_empty()
        }
        _ => false,
    }
}

#[test]
fn hostile_modules_run_or_fail_cleanly_on_every_engine() {
    // Plainly, as the engine takes the module; then rewritten for limits, which is wasmux's
    // own code walking every instruction.
    let flag_sets = [
        vec![],
        vec![
            "--fuel",
            "10000000",
            "--timeout",
            "20s",
            "--max-memory",
            "1GiB",
        ],
    ];
    let cases = engines()
        .into_iter()
        .flat_map(|engine| {
            let flag_sets = flag_sets.clone();
            cases("hostile").into_iter().flat_map(move |module| {
                let engine = engine.clone();
                flag_sets.clone().into_iter().map(move |flags| Case {
                    engine: engine.clone(),
                    module: module.clone(),
                    flags,
                })
            })
        })
        .filter(|case| !too_slow(case))
        .collect();
    let failures: Vec<String> = run_all(cases)
        .iter()
        .filter_map(|(case, out)| crash(case, out))
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
