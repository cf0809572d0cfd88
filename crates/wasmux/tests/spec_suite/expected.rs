//! The expected failures of one engine (`tests/spec-expected/*.toml`) and how a run is held to
//! them.
//!
//! `[[fail]]` entries name directives expected to fail (`line` / `lines`) or a whole script;
//! a whole-script entry also records how many of its directives pass (`passing`), so a
//! regression inside a failing script is seen. `[[instrumented]]` entries name directives whose
//! outcome or trap differs when the script runs instrumented (see `instrumented.rs`).

use crate::suite::SuiteRun;
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::PathBuf;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExpectedFile {
    #[serde(default)]
    fail: Vec<Entry>,
    #[serde(default)]
    instrumented: Vec<Entry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    script: String,
    line: Option<usize>,
    lines: Option<Vec<usize>>,
    reason: String,
    /// Only for a whole script: how many of its directives passed when it was last counted.
    passing: Option<usize>,
}

/// A script expected to fail as a whole.
pub struct Whole {
    pub reason: String,
    /// `None` when the entry does not say yet; the check then asks for the number.
    pub passing: Option<usize>,
    /// The file that lists it, for messages.
    pub file: String,
}

/// What is listed for one script.
#[derive(Default)]
pub struct Listed {
    pub whole: Option<Whole>,
    /// Directive line -> reason.
    pub lines: BTreeMap<usize, String>,
}

pub struct Expected {
    pub fail: BTreeMap<String, Listed>,
    /// Script -> directive line -> why it differs when instrumented.
    pub instrumented: BTreeMap<String, BTreeMap<usize, String>>,
}

impl Expected {
    pub fn load(engine: &str) -> Expected {
        let mut expected = Expected {
            fail: BTreeMap::new(),
            instrumented: BTreeMap::new(),
        };
        for file in ["all-engines".to_string(), file_name(engine)] {
            let path = dir().join(format!("{file}.toml"));
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            let parsed: ExpectedFile =
                toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let place = |entry: &Entry| format!("{}: entry for {}", path.display(), entry.script);
            for entry in parsed.fail {
                let at = place(&entry);
                assert!(!entry.reason.trim().is_empty(), "{at} has no reason");
                let listed = expected.fail.entry(entry.script.clone()).or_default();
                let lines = entry_lines(&entry);
                if lines.is_empty() {
                    assert!(
                        listed.whole.is_none(),
                        "{at}: the script is listed whole twice"
                    );
                    listed.whole = Some(Whole {
                        reason: entry.reason,
                        passing: entry.passing,
                        file: format!("{file}.toml"),
                    });
                } else {
                    assert!(
                        entry.passing.is_none(),
                        "{at}: `passing` belongs to whole-script entries only"
                    );
                    for line in lines {
                        listed.lines.insert(line, entry.reason.clone());
                    }
                }
            }
            for entry in parsed.instrumented {
                let at = place(&entry);
                assert!(!entry.reason.trim().is_empty(), "{at} has no reason");
                let lines = entry_lines(&entry);
                assert!(
                    !lines.is_empty() && entry.passing.is_none(),
                    "{at}: an [[instrumented]] entry names lines and no `passing`"
                );
                let listed = expected.instrumented.entry(entry.script).or_default();
                for line in lines {
                    listed.insert(line, entry.reason.clone());
                }
            }
        }
        expected
    }

    /// Every difference between `run` and the lists: failures not listed, listed failures that
    /// pass, and whole scripts whose count of passing directives changed.
    pub fn check(&self, run: &SuiteRun) -> Findings {
        let mut findings = Findings::default();
        let filtered = std::env::var("WASMUX_SPEC_FILTER").is_ok();
        let ran: BTreeSet<&str> = run.reports.iter().map(|r| r.script.as_str()).collect();
        for report in &run.reports {
            let path = &report.script;
            let listed = self.fail.get(path);
            let whole = listed.and_then(|l| l.whole.as_ref());
            let mut failures: Vec<(usize, String)> = report
                .failures()
                .map(|d| {
                    let reason = d.reason().unwrap_or_default();
                    (d.line, format!("{}: {reason}", d.kind))
                })
                .collect();
            if let Some(error) = &report.error {
                failures.push((0, error.clone()));
            }
            let failed_lines: BTreeSet<usize> = failures.iter().map(|(l, _)| *l).collect();
            for (line, reason) in failures {
                if whole.is_some() || listed.is_some_and(|l| l.lines.contains_key(&line)) {
                    findings.expected_failures += 1;
                } else {
                    findings.unexpected.push((path.clone(), line, reason));
                }
            }
            let Some(listed) = listed else { continue };
            for (line, reason) in &listed.lines {
                if !failed_lines.contains(line) {
                    findings
                        .stale
                        .push((path.clone(), Some(*line), reason.clone()));
                }
            }
            if let Some(whole) = whole {
                if failed_lines.is_empty() {
                    findings
                        .stale
                        .push((path.clone(), None, whole.reason.clone()));
                } else if whole.passing != Some(report.passed()) {
                    findings.counts.push(Count {
                        script: path.clone(),
                        file: whole.file.clone(),
                        listed: whole.passing,
                        now: report.passed(),
                    });
                }
            }
        }
        for (script, listed) in &self.fail {
            if filtered || ran.contains(script.as_str()) {
                continue;
            }
            let whole = listed.whole.iter().map(|w| (None, &w.reason));
            let lines = listed.lines.iter().map(|(l, r)| (Some(*l), r));
            for (line, reason) in whole.chain(lines) {
                let reason = format!("{reason} (no such script)");
                findings.stale.push((script.clone(), line, reason));
            }
        }
        findings
    }
}

fn entry_lines(entry: &Entry) -> Vec<usize> {
    let mut lines = entry.lines.clone().unwrap_or_default();
    lines.extend(entry.line);
    lines
}

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/spec-expected")
}

/// The engine's own list: `:` in a variant's name becomes `-`.
pub fn file_name(engine: &str) -> String {
    engine.replace(':', "-")
}

/// A whole-script entry whose count of passing directives is not what the script does now.
pub struct Count {
    script: String,
    file: String,
    listed: Option<usize>,
    now: usize,
}

#[derive(Default)]
pub struct Findings {
    pub expected_failures: usize,
    /// (script, line, reason) of each failure nobody listed; line 0 is the script as a whole.
    pub unexpected: Vec<(String, usize, String)>,
    /// Listed failures that pass: (script, line or the whole script, listed reason).
    pub stale: Vec<(String, Option<usize>, String)>,
    pub counts: Vec<Count>,
}

/// How many unexpected failures a summary lists (`WASMUX_SPEC_SHOWN` overrides it, to draft the
/// list of a new engine); an engine that fails wholesale would otherwise bury the start.
fn shown() -> usize {
    std::env::var("WASMUX_SPEC_SHOWN")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200)
}

impl Findings {
    /// The findings for people, with TOML entries ready to paste for unexpected failures once
    /// their reason is understood; empty when the run matches the lists.
    pub fn summary(&self, engine: &str) -> String {
        let mut out = String::new();
        let shown = shown();
        let unexpected = &self.unexpected;
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
        if !self.stale.is_empty() {
            let _ = writeln!(
                out,
                "{} expected failure(s) on {engine} now pass; remove them from the list:",
                self.stale.len()
            );
            for (script, line, reason) in &self.stale {
                let at = line.map(|l| format!(":{l}")).unwrap_or_default();
                let _ = writeln!(out, "  {script}{at} (listed as: {reason})");
            }
        }
        let (fewer, more): (Vec<&Count>, Vec<&Count>) = self
            .counts
            .iter()
            .partition(|c| c.listed.is_some_and(|listed| c.now < listed));
        if !fewer.is_empty() {
            let _ = writeln!(
                out,
                "{} script(s) listed whole on {engine} pass fewer directives than listed \
                 (a regression inside a failing script):",
                fewer.len()
            );
            for c in fewer {
                let listed = c.listed.unwrap_or_default();
                let _ = writeln!(out, "  {}: {} passing, listed {listed}", c.script, c.now);
            }
        }
        if !more.is_empty() {
            let _ = writeln!(
                out,
                "{} script(s) listed whole on {engine} pass more directives than listed; \
                 update `passing`:",
                more.len()
            );
            for c in more {
                let listed = c.listed.map_or("none".to_string(), |l| l.to_string());
                let _ = writeln!(
                    out,
                    "  {} ({}): passing = {} (listed: {listed})",
                    c.script, c.file, c.now
                );
            }
        }
        if !unexpected.is_empty() {
            let file = file_name(engine);
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
}
