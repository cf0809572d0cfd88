//! Runs WebAssembly spec test scripts (`.wast`) against any engine through the wasmux API.
//!
//! Every directive is checked the way an embedder would see it: modules go through
//! [`crate::prepare`], instances live in one [`wasmux_core::Store`] per script, and traps are
//! compared as [`wasmux_core::Trap`] kinds. A directive that fails, panics or depends on a module
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
use wasmux_core::Engine;
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
}

impl Default for ScriptOptions {
    fn default() -> Self {
        ScriptOptions {
            budget: Duration::from_secs(120),
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
    let mut runner =
        runner::Runner::new(engine, name).map_err(|e| format!("{name}: no store: {e}"))?;
    for directive in &mut wast.directives {
        let (line, column) = directive.span().linecol_in(text);
        let at = format!("{}:{}", line + 1, column + 1);
        let outcome = if start.elapsed() > options.budget {
            Err(format!(
                "not run: the script exceeded its budget of {:?}",
                options.budget
            ))
        } else {
            catch_unwind(AssertUnwindSafe(|| runner.run(directive, &at)))
                .unwrap_or_else(|panic| Err(format!("panicked: {}", panic_message(&*panic))))
        };
        report.directives.push(DirectiveReport {
            line: line + 1,
            column: column + 1,
            kind: directives::kind(directive),
            outcome: match outcome {
                Ok(()) => Outcome::Passed,
                Err(reason) => Outcome::Failed(reason),
            },
        });
    }
    Ok(())
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".into())
}
