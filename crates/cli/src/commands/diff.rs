use super::limits::LimitArgs;
use crate::table;
use anyhow::Result;
use clap::Args;
use serde::Serialize;
use std::path::PathBuf;
use std::process::ExitCode;
use wasmux::{Error, Module, Runtime};

/// Run the same call on every engine and show results, trap kinds and fuel side by side.
#[derive(Args)]
#[command(after_help = "Examples:\n  \
    wasmux diff examples/fib.wat --invoke fib 20\n  \
    wasmux diff --engines wasmtime,wasm3 --json app.wasm --invoke main\n\n\
    Exit status: 0 when every engine agrees, 1 on any divergence or error.")]
pub struct DiffArgs {
    #[arg(long, value_name = "FUNC", required = true)]
    invoke: String,
    /// Comma-separated engine variants (default: all in this build).
    #[arg(long, value_delimiter = ',')]
    engines: Vec<String>,
    #[command(flatten)]
    limits: LimitArgs,
    /// Machine-readable output.
    #[arg(long)]
    json: bool,
    module: PathBuf,
    #[arg(allow_hyphen_values = true)]
    args: Vec<String>,
}

#[derive(Serialize, Clone, PartialEq)]
struct Outcome {
    engine: String,
    /// The printed results, or the failure.
    result: Option<Vec<String>>,
    trap: Option<String>,
    error: Option<String>,
    fuel_consumed: Option<u64>,
    /// The engine cannot run this module at all (a limit, not a divergence).
    unsupported: bool,
}

#[derive(Serialize)]
struct Report {
    agree: bool,
    outcomes: Vec<Outcome>,
}

/// Metered by default so fuel can be compared; the budget is effectively unlimited.
const DEFAULT_FUEL: u64 = i64::MAX as u64;

pub fn run(args: DiffArgs) -> Result<ExitCode> {
    let module = Module::from_file(&args.module)?;
    let names = if args.engines.is_empty() {
        wasmux::engine_names()
    } else {
        args.engines.clone()
    };
    let mut limits = args.limits.limits();
    limits.fuel = limits.fuel.or(Some(DEFAULT_FUEL));
    let mut outcomes = Vec::new();
    for name in &names {
        let runtime = Runtime::builder()
            .engine(name)
            .limits(limits.clone())
            .build()?;
        outcomes.push(run_one(&runtime, &module, &args, name));
    }
    let comparable: Vec<&Outcome> = outcomes.iter().filter(|o| !o.unsupported).collect();
    let agree = comparable.windows(2).all(|w| {
        w[0].result == w[1].result
            && w[0].trap == w[1].trap
            && w[0].error == w[1].error
            && w[0].fuel_consumed == w[1].fuel_consumed
    });
    let report = Report { agree, outcomes };
    if args.json {
        outln!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_table(&report);
    }
    Ok(if agree {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn run_one(runtime: &Runtime, module: &Module, args: &DiffArgs, name: &str) -> Outcome {
    let mut outcome = Outcome {
        engine: name.to_string(),
        result: None,
        trap: None,
        error: None,
        fuel_consumed: None,
        unsupported: false,
    };
    let mut instance = match runtime.instantiate(module) {
        Ok(i) => i,
        Err(e) => {
            record_error(&mut outcome, e);
            return outcome;
        }
    };
    match instance.call_with_strings(&args.invoke, &args.args) {
        Ok(vals) => outcome.result = Some(vals.iter().map(|v| v.to_string()).collect()),
        Err(e) => record_error(&mut outcome, e),
    }
    outcome.fuel_consumed = instance.last_call_stats().fuel_consumed;
    outcome
}

fn record_error(outcome: &mut Outcome, e: Error) {
    match &e {
        Error::Trap { trap, .. } => outcome.trap = Some(trap.to_string()),
        Error::Unsupported { .. } => {
            outcome.unsupported = true;
            outcome.error = Some(e.to_string());
        }
        _ => outcome.error = Some(e.to_string()),
    }
}

fn print_table(report: &Report) {
    let rows: Vec<Vec<String>> = report
        .outcomes
        .iter()
        .map(|o| {
            let result = match (&o.result, &o.trap, &o.error) {
                (Some(r), _, _) => r.join(" "),
                (_, Some(t), _) => format!("trap: {t}"),
                (_, _, Some(e)) if o.unsupported => format!("unsupported: {e}"),
                (_, _, Some(e)) => format!("error: {e}"),
                _ => String::new(),
            };
            vec![
                o.engine.clone(),
                result,
                o.fuel_consumed.map(|f| f.to_string()).unwrap_or("-".into()),
            ]
        })
        .collect();
    table::print(&["ENGINE", "RESULT", "FUEL"], &rows);
    outln!(
        "\n{}",
        if report.agree {
            "all engines agree"
        } else {
            "DIVERGENCE: the engines disagree"
        }
    );
}
