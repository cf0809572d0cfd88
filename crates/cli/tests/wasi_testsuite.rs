//! The official WASI testsuite (WebAssembly/wasi-testsuite, preview1: C, Rust and
//! AssemblyScript tests, copied into `tests/wasi-testsuite/`) run through `wasmux run` on every
//! engine variant, as its `specification.md` says: the test's `root` copied to a fresh directory
//! and preopened as `/`, only the listed environment, then exit status and output compared.
//!
//! Each variant may list expected failures in `tests/wasi-testsuite-expected/<engine>.toml`
//! (`:` in a name becomes `-`), each with its reason. A failure not listed fails the test, and
//! so does a listed test that passes, so the lists stay true.
//!
//! A second pass runs every test with `--audit FILE --audit-level all --stats`: the results must
//! not change, every audit line must be well-formed JSON, and there must be one line per WASI
//! call (the `host_calls` of the statistics).

mod common;
use common::{engines, text, wasmux_command};
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn suite_dir() -> PathBuf {
    repo().join("tests/wasi-testsuite")
}

/// One test's configuration (`x.json` beside `x.wasm`; absent, the defaults).
#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct Config {
    args: Vec<String>,
    env: BTreeMap<String, String>,
    root: Option<String>,
    exit_code: i32,
    stdout: Option<String>,
    stderr: Option<String>,
}

struct Case {
    /// `rust/fd_readdir`: the language directory and the file stem.
    id: String,
    wasm: PathBuf,
    config: Config,
}

fn cases() -> Vec<Case> {
    let mut out = Vec::new();
    for lang in ["assemblyscript", "c", "rust"] {
        let dir = suite_dir().join(lang);
        let mut wasms: Vec<PathBuf> = fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "wasm"))
            .collect();
        wasms.sort();
        for wasm in wasms {
            let json = wasm.with_extension("json");
            let config = if json.exists() {
                let text = fs::read_to_string(&json).unwrap();
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", json.display()))
            } else {
                Config::default()
            };
            let stem = wasm.file_stem().unwrap().to_string_lossy().into_owned();
            out.push(Case {
                id: format!("{lang}/{stem}"),
                wasm,
                config,
            });
        }
    }
    out
}

/// A run that takes longer than this is stopped and counts as a failure.
const RUN_LIMIT: Duration = Duration::from_secs(300);

/// Runs `wasmux` with stdin closed, stopping it at [`RUN_LIMIT`].
fn run_limited(args: &[String], cwd: &Path) -> Result<Output, String> {
    let child = wasmux_command(cwd, args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| e.to_string())?;
    let pid = child.id();
    let started = Instant::now();
    let waiter = std::thread::spawn(move || child.wait_with_output());
    while !waiter.is_finished() {
        if started.elapsed() > RUN_LIMIT {
            let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
            let _ = waiter.join();
            return Err(format!("still running after {RUN_LIMIT:?}; killed"));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    waiter.join().unwrap().map_err(|e| e.to_string())
}

fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        let ty = entry.file_type().unwrap();
        if ty.is_dir() {
            copy_tree(&entry.path(), &target);
        } else if ty.is_symlink() {
            std::os::unix::fs::symlink(fs::read_link(entry.path()).unwrap(), &target).unwrap();
        } else {
            fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// How one run went: `None` when the test passed; else what was wrong.
type Outcome = Option<String>;

/// Runs one case on `engine`; `audit` adds `--audit FILE --audit-level all --stats` and checks
/// the audit file.
fn run_case(engine: &str, case: &Case, audit: bool) -> Outcome {
    let work = tempfile::tempdir().unwrap();
    let mut args: Vec<String> = vec!["run".into(), "--engine".into(), engine.into()];
    if let Some(root) = &case.config.root {
        let copy = work.path().join("root");
        copy_tree(&case.wasm.parent().unwrap().join(root), &copy);
        args.extend(["--dir".into(), format!("{}::/", copy.display())]);
    }
    for (k, v) in &case.config.env {
        args.extend(["--env".into(), format!("{k}={v}")]);
    }
    let audit_file = work.path().join("audit.jsonl");
    if audit {
        args.extend([
            "--audit".into(),
            audit_file.display().to_string(),
            "--audit-level".into(),
            "all".into(),
            "--stats".into(),
        ]);
    }
    args.push(case.wasm.display().to_string());
    args.extend(case.config.args.iter().cloned());
    let out = match run_limited(&args, work.path()) {
        Ok(out) => out,
        Err(e) => return Some(e),
    };
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    let mut host_calls = None;
    let mut problems = Vec::new();
    if audit {
        match stats_host_calls(&stderr) {
            Some(n) => host_calls = Some(n),
            None => problems.push("no --stats line on stderr".to_string()),
        }
        if let Err(e) = check_audit(&audit_file, host_calls) {
            problems.push(e);
        }
    }
    let expected = case.config.exit_code;
    if out.status.code() != Some(expected) {
        problems.push(format!(
            "exit status {:?}, expected {expected}",
            out.status.code()
        ));
    }
    for (name, want, got) in [
        ("stdout", &case.config.stdout, &stdout),
        ("stderr", &case.config.stderr, &stderr),
    ] {
        if let Some(want) = want {
            if !got.starts_with(want.as_str()) {
                problems.push(format!("{name} {got:?} does not start with {want:?}"));
            }
        }
    }
    (!problems.is_empty()).then(|| {
        let tail: String = stderr
            .lines()
            .rev()
            .take(6)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect::<Vec<_>>()
            .join("\n      ");
        format!("{}\n      stderr: {tail}", problems.join("; "))
    })
}

fn stats_host_calls(stderr: &str) -> Option<u64> {
    stderr.lines().rev().find_map(|l| {
        let v: serde_json::Value = serde_json::from_str(l).ok()?;
        v.get("host_calls")?.as_u64()
    })
}

/// Every line is an audit event with the fields the README names, and there is one per call.
fn check_audit(file: &Path, host_calls: Option<u64>) -> Result<(), String> {
    let text = fs::read_to_string(file).map_err(|e| format!("audit file: {e}"))?;
    let mut lines = 0u64;
    for line in text.lines() {
        lines += 1;
        let v: serde_json::Value =
            serde_json::from_str(line).map_err(|e| format!("audit line {lines}: {e}: {line}"))?;
        for field in ["instance", "func", "args", "allowed", "errno", "duration"] {
            if v.get(field).is_none() {
                return Err(format!("audit line {lines} has no `{field}`: {line}"));
            }
        }
    }
    match host_calls {
        Some(n) if n != lines => Err(format!("{lines} audit lines for {n} host calls")),
        _ => Ok(()),
    }
}

#[derive(serde::Deserialize, Default)]
struct Expected {
    #[serde(default)]
    fail: Vec<ExpectedFailure>,
}

#[derive(serde::Deserialize)]
struct ExpectedFailure {
    test: String,
    #[allow(dead_code)]
    reason: String,
}

fn expected_failures(engine: &str) -> BTreeSet<String> {
    let path = repo()
        .join("tests/wasi-testsuite-expected")
        .join(format!("{}.toml", engine.replace(':', "-")));
    let Ok(text) = fs::read_to_string(&path) else {
        return BTreeSet::new();
    };
    let expected: Expected =
        toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    expected.fail.into_iter().map(|f| f.test).collect()
}

/// Runs the whole suite on `engine` and fails on any difference from its expected list.
fn check_engine(engine: &str, audit: bool) {
    let expected = expected_failures(engine);
    let cases = cases();
    assert_eq!(cases.len(), 72, "the suite has 72 preview1 tests");
    let started = Instant::now();
    let mut unexpected = Vec::new();
    let mut stale = Vec::new();
    let mut passed = 0;
    for case in &cases {
        let t = Instant::now();
        let outcome = run_case(engine, case, audit);
        eprintln!(
            "{engine}{} {} {} ({:.1} s)",
            if audit { " (audited)" } else { "" },
            case.id,
            if outcome.is_none() { "ok" } else { "FAILED" },
            t.elapsed().as_secs_f64()
        );
        match (outcome, expected.contains(&case.id)) {
            (None, false) => passed += 1,
            (None, true) => stale.push(case.id.clone()),
            (Some(why), false) => unexpected.push(format!("  {}: {why}", case.id)),
            (Some(_), true) => {}
        }
    }
    let unknown: Vec<_> = expected
        .iter()
        .filter(|id| !cases.iter().any(|c| &c.id == *id))
        .collect();
    eprintln!(
        "{engine}: {passed} of {} passed in {:.0} s",
        cases.len(),
        started.elapsed().as_secs_f64()
    );
    assert!(
        unexpected.is_empty() && stale.is_empty() && unknown.is_empty(),
        "{engine}: {} unexpected failures:\n{}\nlisted as failing but passed: {stale:?}\n\
         listed but not in the suite: {unknown:?}",
        unexpected.len(),
        unexpected.join("\n")
    );
}

#[test]
fn wasi_testsuite_on_every_engine() {
    // One test per variant would run them two at a time on two cores, each compiling with
    // all cores; one after the other is as fast and keeps the output readable.
    for engine in engines() {
        check_engine(&engine, false);
    }
}

#[test]
fn wasi_testsuite_audited_on_every_engine() {
    for engine in engines() {
        check_engine(&engine, true);
    }
}
