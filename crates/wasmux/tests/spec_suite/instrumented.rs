//! The suite's second pass, with every module rewritten for fuel and interrupt checks as
//! `--fuel` / `--timeout` rewrite it, and then given the probes of `wasmux profile` and
//! `wasmux trace` (see `probes.rs`): the rewritten code must behave as the original.
//!
//! - Every directive passes or fails as in the plain run, and ends with the same trap kind
//!   (or none); a difference must be listed in `[[instrumented]]` with its reason.
//! - A call that trapped consumed fuel: the trapping instruction's segment is charged before it
//!   runs. (An instantiation can trap before any code runs, in its segments.)
//! - The fuel a passing directive consumed is the same on every engine, except after a stack
//!   overflow: each engine's run is compared with the runs of the engines that finished before
//!   it in this process (all of them under a plain `cargo test`).

use crate::expected::Expected;
use crate::suite::SuiteRun;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::time::Duration;
use wasmux::wast::ScriptOptions;
use wasmux::{Limits, Trap};

/// A tank no script empties and a deadline no script reaches: the rewritten code runs in full.
/// `engine` picks the probes (see `probes::extend`).
pub fn options(budget: Duration, engine: &str) -> ScriptOptions {
    ScriptOptions {
        budget,
        limits: Limits {
            fuel: Some(1 << 50),
            timeout: Some(Duration::from_secs(3600)),
            max_memory: None,
        },
        extend: Some(crate::probes::extend(engine)),
    }
}

/// `WASMUX_SPEC_INSTRUMENTED=0` skips the second pass while iterating on the plain one.
pub fn enabled() -> bool {
    std::env::var("WASMUX_SPEC_INSTRUMENTED").map_or(true, |v| v != "0")
}

/// Directives whose outcome or trap changed under instrumentation, not listed, and listed
/// differences that no longer occur.
pub fn compare(engine: &str, plain: &SuiteRun, limited: &SuiteRun, expected: &Expected) -> String {
    let mut differ = Vec::new();
    let mut stale = Vec::new();
    for (p, l) in plain.reports.iter().zip(&limited.reports) {
        assert_eq!(p.script, l.script, "both passes run the same scripts");
        let listed = expected.instrumented.get(&p.script);
        // A listed difference is stale only where it could show: where the plain run passes.
        let mut keep = Vec::new();
        if p.error != l.error {
            differ.push(format!(
                "  {}: the script {:?} plain, {:?} instrumented",
                p.script, p.error, l.error
            ));
        }
        for (pd, ld) in p.directives.iter().zip(&l.directives) {
            let same = pd.passed() == ld.passed() && pd.trap == ld.trap;
            if !same || !pd.passed() {
                keep.push(pd.line);
            }
            if same {
                continue;
            }
            if listed.is_some_and(|l| l.contains_key(&pd.line)) {
                continue;
            }
            let show = |d: &wasmux::wast::DirectiveReport| match d.reason() {
                None => format!("passed (trap {:?})", d.trap),
                Some(why) => format!("failed (trap {:?}): {why}", d.trap),
            };
            differ.push(format!(
                "  {}:{}: {}: plain {}; instrumented {}",
                p.script,
                pd.line,
                pd.kind,
                show(pd),
                show(ld)
            ));
        }
        for (line, reason) in listed.into_iter().flatten() {
            if !keep.contains(line) {
                stale.push(format!("  {}:{line} (listed as: {reason})", p.script));
            }
        }
    }
    let mut out = String::new();
    if !differ.is_empty() {
        let _ = writeln!(
            out,
            "{} directive(s) on {engine} behave differently instrumented (fuel + interrupt checks):",
            differ.len()
        );
        for line in differ.iter().take(200) {
            let _ = writeln!(out, "{line}");
        }
    }
    if !stale.is_empty() {
        let _ = writeln!(
            out,
            "{} listed instrumentation difference(s) on {engine} no longer occur; remove them:",
            stale.len()
        );
        for line in stale {
            let _ = writeln!(out, "{line}");
        }
    }
    out
}

/// Fuel by script, then by directive index, for the passing directives that ran guest code.
type FuelRecord = BTreeMap<String, BTreeMap<usize, (usize, u64)>>;

/// The fuel records of the engines whose instrumented pass finished in this process.
static FINISHED: Mutex<Vec<(String, FuelRecord)>> = Mutex::new(Vec::new());

/// Checks the fuel of `limited`: positive where a trap shows code ran, and equal to what the
/// engines that finished earlier consumed. Returns the problems and prints what was compared.
pub fn check_fuel(engine: &str, limited: &SuiteRun) -> String {
    let mut out = String::new();
    let mut record = FuelRecord::new();
    let mut unpaid = Vec::new();
    let mut total = 0u64;
    for report in &limited.reports {
        let mut by_index = BTreeMap::new();
        for (index, d) in report.directives.iter().enumerate() {
            let Some(fuel) = d.fuel else { continue };
            total += fuel;
            if d.calls && d.trap.is_some() && fuel == 0 {
                unpaid.push(format!(
                    "  {}:{}: {} trapped with {:?}",
                    report.script, d.line, d.kind, d.trap
                ));
            }
            // How deep recursion gets before the stack overflows is the engine's choice, and
            // so is the fuel the calls on the way consumed.
            if d.passed() && d.trap != Some(Trap::StackOverflow) {
                by_index.insert(index, (d.line, fuel));
            }
        }
        record.insert(report.script.clone(), by_index);
    }
    println!("  fuel consumed by the whole instrumented pass on {engine}: {total}");
    if total == 0 {
        let _ = writeln!(
            out,
            "the instrumented pass on {engine} consumed no fuel at all"
        );
    }
    if !unpaid.is_empty() {
        let _ = writeln!(
            out,
            "{} directive(s) on {engine} trapped without consuming fuel:",
            unpaid.len()
        );
        for line in unpaid.iter().take(50) {
            let _ = writeln!(out, "{line}");
        }
    }
    let mut finished = FINISHED.lock().unwrap_or_else(|p| p.into_inner());
    for (other, theirs) in finished.iter() {
        let (compared, mismatches) = compare_fuel(&record, theirs);
        println!("  fuel equal to {other}'s on {compared} directives passing on both");
        if !mismatches.is_empty() {
            let _ = writeln!(
                out,
                "{} directive(s) consumed different fuel on {engine} and {other}:",
                mismatches.len()
            );
            for (script, line, mine, theirs) in mismatches.iter().take(50) {
                let _ = writeln!(out, "  {script}:{line}: {engine} {mine}, {other} {theirs}");
            }
        }
    }
    finished.push((engine.to_string(), record));
    out
}

/// How many directives both records have, and those whose fuel differs.
fn compare_fuel(mine: &FuelRecord, theirs: &FuelRecord) -> (usize, Vec<(String, usize, u64, u64)>) {
    let mut compared = 0;
    let mut mismatches = Vec::new();
    for (script, directives) in mine {
        let Some(other) = theirs.get(script) else {
            continue;
        };
        for (index, (line, fuel)) in directives {
            let Some((_, their_fuel)) = other.get(index) else {
                continue;
            };
            compared += 1;
            if fuel != their_fuel {
                mismatches.push((script.clone(), *line, *fuel, *their_fuel));
            }
        }
    }
    (compared, mismatches)
}
