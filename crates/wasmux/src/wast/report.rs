//! What running one script produced: an outcome for every directive.

use std::fmt;
use std::time::Duration;
use wasmux_core::Trap;

/// The result of one directive.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Passed,
    /// Why the directive failed, for people.
    Failed(String),
}

/// One directive of a script and how it went.
#[derive(Clone, Debug)]
pub struct DirectiveReport {
    /// 1-based position of the directive in the script.
    pub line: usize,
    pub column: usize,
    /// The directive's keyword: `module`, `assert_return`, `register`...
    pub kind: &'static str,
    pub outcome: Outcome,
    /// Whether the directive calls an exported function (rather than instantiating a module,
    /// reading a global or checking a module).
    pub calls: bool,
    /// The trap the directive's call or instantiation ended with, whether or not one was
    /// expected.
    pub trap: Option<Trap>,
    /// Fuel the directive consumed in all instances together, when the script ran with a fuel
    /// limit and the directive runs guest code (calls, instantiations with a start function).
    pub fuel: Option<u64>,
}

impl DirectiveReport {
    pub fn passed(&self) -> bool {
        self.outcome == Outcome::Passed
    }

    /// The failure reason, if the directive failed.
    pub fn reason(&self) -> Option<&str> {
        match &self.outcome {
            Outcome::Passed => None,
            Outcome::Failed(r) => Some(r),
        }
    }
}

/// Everything one script did on one engine.
#[derive(Clone, Debug)]
pub struct ScriptReport {
    /// The script's name or path, as given.
    pub script: String,
    pub engine: String,
    /// Set when the script as a whole could not run (unreadable, does not parse, no store);
    /// then `directives` is empty and the script counts as one failure.
    pub error: Option<String>,
    pub directives: Vec<DirectiveReport>,
    pub elapsed: Duration,
}

impl ScriptReport {
    pub fn passed(&self) -> usize {
        self.directives.iter().filter(|d| d.passed()).count()
    }

    /// Failed directives, plus one if the script could not run at all.
    pub fn failed(&self) -> usize {
        self.failures().count() + usize::from(self.error.is_some())
    }

    pub fn failures(&self) -> impl Iterator<Item = &DirectiveReport> {
        self.directives.iter().filter(|d| !d.passed())
    }

    pub fn is_ok(&self) -> bool {
        self.failed() == 0
    }
}

impl fmt::Display for ScriptReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(error) = &self.error {
            return writeln!(f, "{} on {}: {error}", self.script, self.engine);
        }
        for d in self.failures() {
            let reason = d.reason().unwrap_or_default();
            writeln!(
                f,
                "{}:{}:{}: {} on {}: {reason}",
                self.script, d.line, d.column, d.kind, self.engine
            )?;
        }
        writeln!(
            f,
            "{} on {}: {} directives passed, {} failed",
            self.script,
            self.engine,
            self.passed(),
            self.failed()
        )
    }
}
