//! Comparing runs, keeping what differed for reproduction, and counting what each engine did.

use crate::outcome::{Call, Outcome};
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A seed whose module the engines disagree on (or that broke the harness).
pub struct Difference {
    seed: u64,
    bytes: Vec<u8>,
    what: String,
    saved: Option<PathBuf>,
}

impl Difference {
    pub fn new(seed: u64, bytes: Vec<u8>, what: String) -> Difference {
        Difference {
            seed,
            bytes,
            what,
            saved: None,
        }
    }

    /// Writes the module as `seed-N.wasm` under `dir`, for `wasmux diff` and a regression test.
    pub fn save(&mut self, dir: &Path) {
        let path = dir.join(format!("seed-{}.wasm", self.seed));
        match std::fs::create_dir_all(dir).and_then(|_| std::fs::write(&path, &self.bytes)) {
            Ok(()) => self.saved = Some(path),
            Err(e) => eprintln!("cannot write {}: {e}", path.display()),
        }
    }
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "seed {}", self.seed)?;
        if let Some(path) = &self.saved {
            write!(f, " ({})", path.display())?;
        }
        write!(f, ": {}", self.what)
    }
}

/// Records in `dir/running-W` the seed worker `W` is running (`None` once it stops), so that
/// the seed that crashed the process can be found after it died.
pub fn in_progress(dir: &Path, worker: usize, seed: Option<u64>) {
    let path = dir.join(format!("running-{worker}"));
    let _ = match seed {
        Some(seed) => {
            std::fs::create_dir_all(dir).and_then(|_| std::fs::write(&path, seed.to_string()))
        }
        None => std::fs::remove_file(&path),
    };
}

/// The first way in which the runs differ, if they do. Engines that refused the module sit it
/// out; a stack overflow ends the comparison where it happened.
pub fn compare(runs: &[(String, Outcome)]) -> Option<String> {
    let ran: Vec<&(String, Outcome)> = runs
        .iter()
        .filter(|(_, o)| !matches!(o, Outcome::Unsupported(_)))
        .collect();
    let cut = ran.iter().filter_map(|(_, o)| o.overflowed_at()).min();
    let view = |o: &Outcome| cut.map_or_else(|| o.clone(), |len| o.truncated(len));
    let (first, reference) = ran.first()?;
    let reference = view(reference);
    for (engine, outcome) in &ran[1..] {
        let outcome = view(outcome);
        if outcome != reference {
            return Some(format!(
                "{engine} differs from {first}:\n  {first}: {}\n  {engine}: {}",
                describe(&reference),
                describe(&outcome)
            ));
        }
    }
    None
}

fn describe(outcome: &Outcome) -> String {
    match outcome {
        Outcome::Unsupported(why) => format!("unsupported: {why}"),
        Outcome::Failed(failure) => format!("instantiation failed: {failure}"),
        Outcome::Ran {
            calls,
            memory_bytes,
        } => {
            let calls: Vec<String> = calls.iter().map(describe_call).collect();
            format!("[{}] memory {memory_bytes} bytes", calls.join("; "))
        }
    }
}

fn describe_call(call: &Call) -> String {
    let result = match &call.result {
        Ok(vals) => vals
            .iter()
            .map(|v| format!("{v:?}"))
            .collect::<Vec<_>>()
            .join(" "),
        Err(failure) => failure.to_string(),
    };
    let fuel = call.fuel.map_or("-".to_string(), |f| f.to_string());
    format!("{} -> {result} (fuel {fuel})", call.func)
}

#[derive(Default, Clone, Copy)]
struct EngineStats {
    ran: u64,
    unsupported: u64,
    busy: Duration,
}

/// Per-engine counts and time, shared by the workers.
#[derive(Default)]
pub struct Stats {
    engines: Mutex<BTreeMap<String, EngineStats>>,
    modules: Mutex<(u64, Option<Instant>)>,
}

/// How often a long campaign says how far it got.
const PROGRESS_EVERY: Duration = Duration::from_secs(30);

impl Stats {
    pub fn record(&self, engine: &str, outcome: &Outcome, took: Duration) {
        let mut engines = self.engines.lock().unwrap();
        let entry = engines.entry(engine.to_string()).or_default();
        match outcome {
            Outcome::Unsupported(_) => entry.unsupported += 1,
            _ => entry.ran += 1,
        }
        entry.busy += took;
    }

    /// Counts a finished module and, every [`PROGRESS_EVERY`], prints the totals so far.
    pub fn progress(&self, started: Instant) {
        let mut modules = self.modules.lock().unwrap();
        modules.0 += 1;
        let last = modules.1.unwrap_or(started);
        if last.elapsed() >= PROGRESS_EVERY {
            modules.1 = Some(Instant::now());
            eprintln!("{}", self.summary(modules.0, started.elapsed()));
        }
    }

    pub fn modules(&self) -> u64 {
        self.modules.lock().unwrap().0
    }

    /// Modules per second of each engine's own time (compiling, instantiating and calling),
    /// and overall.
    pub fn summary(&self, modules: u64, wall: Duration) -> String {
        let mut text = format!(
            "{modules} modules in {:.1} s ({:.1} modules/s over all engines)\n",
            wall.as_secs_f64(),
            modules as f64 / wall.as_secs_f64()
        );
        for (engine, s) in self.engines.lock().unwrap().iter() {
            let per_second = (s.ran + s.unsupported) as f64 / s.busy.as_secs_f64().max(1e-9);
            text += &format!(
                "  {engine:<16} {:>7} ran {:>6} unsupported {per_second:>8.1} modules/s\n",
                s.ran, s.unsupported
            );
        }
        text
    }

    /// Every engine must have run a fair share of modules, or it was not really tested.
    pub fn assert_every_engine_ran(&self, engines: &[String]) {
        let counts = self.engines.lock().unwrap();
        let modules = self.modules();
        if modules < 100 {
            // Too few for the rotation to reach every engine; a reproduction run, say.
            return;
        }
        for engine in engines {
            let ran = counts.get(engine).map_or(0, |s| s.ran);
            assert!(
                ran * 100 >= modules,
                "{engine} ran {ran} of {modules} modules: it is hardly tested"
            );
        }
    }
}
