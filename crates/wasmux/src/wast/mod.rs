//! Runs WebAssembly spec test scripts (`.wast`) against any engine through the wasmux API.
//!
//! Every directive is checked the way an embedder would see it: modules go through
//! [`crate::Runtime::prepare`], instances live in one [`crate::Linker`] per script (which links
//! them, meters and times them), and traps are compared as [`wasmux_core::Trap`] kinds. A directive that fails, panics or depends on a module
//! that failed is reported and the script goes on.

mod directives;
mod modules;
mod report;
mod runner;
mod spectest;
mod traps;
mod values;

pub use report::{DirectiveReport, Outcome, ScriptReport};

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};
use wasmux_core::{Engine, Limits};
use wast::lexer::Lexer;
use wast::parser::{self, ParseBuffer};
use wast::Wast;

/// How a script is run.
#[derive(Clone, Debug)]
pub struct ScriptOptions {
    /// Wall-clock time after which the remaining directives are not started but reported as
    /// failed, so one slow engine cannot stall a whole suite. A directive already running is
    /// not interrupted.
    pub budget: Duration,
    /// Limits every module runs under, applied as `Runtime` applies them: a script's modules
    /// are instances of one `Linker`, so with `fuel` the script's store has one tank of `fuel`
    /// that every instance draws from, and every call runs with `timeout` on the clock. With
    /// `fuel`, each directive reports the fuel it consumed.
    pub limits: Limits,
    /// Adds to the runtime every module of the script runs on: passes and the host functions
    /// their imports need (the spec suite runs with profiling and tracing probes this way).
    pub extend: Option<Extend>,
}

/// A change to a runtime builder, as [`ScriptOptions::extend`] takes it.
#[derive(Clone)]
pub struct Extend(pub Arc<dyn Fn(crate::RuntimeBuilder) -> crate::RuntimeBuilder + Send + Sync>);

impl std::fmt::Debug for Extend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Extend(..)")
    }
}

impl Default for ScriptOptions {
    fn default() -> Self {
        ScriptOptions {
            budget: Duration::from_secs(120),
            limits: Limits::default(),
            extend: None,
        }
    }
}

/// Reads and runs the script at `path`.
pub fn run_script(engine: &Arc<dyn Engine>, path: &Path) -> ScriptReport {
    let name = path.display().to_string();
    match std::fs::read_to_string(path) {
        Ok(text) => run_script_text(engine, &name, &text),
        Err(e) => ScriptReport {
            script: name.clone(),
            engine: engine.info().name.clone(),
            error: Some(format!("{name}: {e}")),
            directives: Vec::new(),
            elapsed: Duration::ZERO,
        },
    }
}

/// Runs a script given as text; `name` labels it in reports and error messages.
pub fn run_script_text(engine: &Arc<dyn Engine>, name: &str, text: &str) -> ScriptReport {
    run_script_with(engine, name, text, &ScriptOptions::default())
}

pub fn run_script_with(
    engine: &Arc<dyn Engine>,
    name: &str,
    text: &str,
    options: &ScriptOptions,
) -> ScriptReport {
    let start = Instant::now();
    let mut report = ScriptReport {
        script: name.to_string(),
        engine: engine.info().name.clone(),
        error: None,
        directives: Vec::new(),
        elapsed: Duration::ZERO,
    };
    if let Err(e) = run(engine, name, text, options, start, &mut report) {
        report.error = Some(e);
    }
    report.elapsed = start.elapsed();
    report
}

fn run(
    engine: &Arc<dyn Engine>,
    name: &str,
    text: &str,
    options: &ScriptOptions,
    start: Instant,
    report: &mut ScriptReport,
) -> Result<(), String> {
    let located = |mut e: wast::Error| {
        e.set_path(Path::new(name));
        e.set_text(text);
        e.to_string()
    };
    let mut lexer = Lexer::new(text);
    // The spec scripts test names made of such characters on purpose.
    lexer.allow_confusing_unicode(true);
    let buffer = ParseBuffer::new_with_lexer(lexer).map_err(located)?;
    let mut wast = parser::parse::<Wast<'_>>(&buffer).map_err(located)?;
    let mut runner = runner::Runner::new(engine, name, &options.limits, options.extend.as_ref())
        .map_err(|e| format!("{name}: no store: {e}"))?;
    for directive in &mut wast.directives {
        let (line, column) = directive.span().linecol_in(text);
        let at = format!("{}:{}", line + 1, column + 1);
        let mut fuel = None;
        let outcome = if start.elapsed() > options.budget {
            Err(format!(
                "not run: the script exceeded its budget of {:?}",
                options.budget
            ))
        } else {
            catch_unwind(AssertUnwindSafe(|| {
                let counts = directives::runs_code(directive);
                let before = if counts { runner.fuel_used() } else { Ok(None) };
                let outcome = runner.run(directive, &at);
                if counts {
                    fuel = fuel_between(before, runner.fuel_used())
                        .map_err(|e| format!("reading the fuel used: {e}"))?;
                }
                outcome
            }))
            .unwrap_or_else(|panic| Err(format!("panicked: {}", panic_message(&*panic))))
        };
        report.directives.push(DirectiveReport {
            line: line + 1,
            column: column + 1,
            kind: directives::kind(directive),
            calls: directives::calls(directive),
            outcome: match outcome {
                Ok(()) => Outcome::Passed,
                Err(reason) => Outcome::Failed(reason),
            },
            trap: runner.take_trap(),
            fuel,
        });
    }
    Ok(())
}

/// The fuel consumed between two readings of the store's total.
fn fuel_between(
    before: Result<Option<u64>, wasmux_core::Error>,
    after: Result<Option<u64>, wasmux_core::Error>,
) -> Result<Option<u64>, wasmux_core::Error> {
    Ok(match (before?, after?) {
        (Some(before), Some(after)) => Some(after - before),
        _ => None,
    })
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".into())
}
