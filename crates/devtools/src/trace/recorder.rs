//! The host side of the tracing probes.

use std::io::Write;
use std::sync::{Arc, Mutex, PoisonError};

use serde::Serialize;
use wasmux::{FuncType, HostFunc, RuntimeBuilder, Val, ValType};
use wasmux_instrument::probe::{ProbeOptions, PROBE_MODULE};

use super::filter::Filter;
use crate::profile::ProbePass;
use crate::symbols::{show_value, Symbols};

/// What to trace and how to print it.
#[derive(Clone, Debug)]
pub struct TraceOptions {
    pub filter: Filter,
    /// Events written at most; later ones are counted, not written.
    pub max_events: u64,
    /// JSON lines instead of indented text.
    pub json: bool,
    /// Calls to imported (host) functions too.
    pub host_calls: bool,
}

/// What a trace wrote and left out.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct TraceSummary {
    /// Events that happened.
    pub events: u64,
    /// Events written.
    pub written: u64,
    /// Events filtered out or past the cap.
    pub not_written: u64,
}

/// Writes a line per event to `out` while the guest runs.
///
/// ```no_run
/// use wasmux::{Module, Runtime, Val};
/// use wasmux_devtools::{trace::{Filter, TraceOptions, Tracer}, Symbols};
/// let module = Module::from_file("fib.wat")?;
/// let options = TraceOptions { filter: Filter::default(), max_events: 100, json: false, host_calls: true };
/// let tracer = Tracer::new(Symbols::read(module.bytes()), Box::new(std::io::stderr()), options);
/// let runtime = tracer.install(Runtime::builder().engine("wasm3")).build()?;
/// runtime.instantiate(&module)?.call("fib", &[Val::I32(3)])?;
/// eprintln!("{:?}", tracer.finish()?);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Tracer {
    state: Arc<Mutex<State>>,
}

struct State {
    symbols: Symbols,
    out: Box<dyn Write + Send>,
    options: TraceOptions,
    depth: usize,
    summary: TraceSummary,
    /// The first write that failed: the trace stops there and `finish` reports it.
    failed: Option<std::io::Error>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Enter,
    Exit,
    HostEnter,
    HostExit,
}

#[derive(Serialize)]
struct Event<'a> {
    event: &'static str,
    func: u32,
    name: &'a str,
    depth: usize,
    values: Vec<String>,
}

impl Tracer {
    /// A tracer for the module `symbols` was read from, writing to `out`.
    pub fn new(symbols: Symbols, out: Box<dyn Write + Send>, options: TraceOptions) -> Tracer {
        Tracer {
            state: Arc::new(Mutex::new(State {
                symbols,
                out,
                options,
                depth: 0,
                summary: TraceSummary::default(),
                failed: None,
            })),
        }
    }

    /// `builder` with the tracing probes added to every module it prepares and the host
    /// functions they call: one per kind and number of values, up to the most any function
    /// of the module has.
    pub fn install(&self, mut builder: RuntimeBuilder) -> RuntimeBuilder {
        let (most, host_calls) = {
            let state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
            (state.symbols.max_values(), state.options.host_calls)
        };
        builder = builder.pass(ProbePass(ProbeOptions {
            values: true,
            host_calls,
        }));
        for n in 0..=most {
            for (prefix, kind) in [
                ("enter", Kind::Enter),
                ("exit", Kind::Exit),
                ("host_enter", Kind::HostEnter),
                ("host_exit", Kind::HostExit),
            ] {
                builder = builder.func(PROBE_MODULE, &format!("{prefix}{n}"), self.probe(kind, n));
            }
        }
        builder
    }

    fn probe(&self, kind: Kind, values: usize) -> HostFunc {
        let state = self.state.clone();
        let ty = FuncType {
            params: std::iter::once(ValType::I32)
                .chain(std::iter::repeat_n(ValType::I64, values))
                .collect(),
            results: vec![],
        };
        HostFunc::new(ty, move |_, args, _| {
            let Some(&Val::I32(func)) = args.first() else {
                return Ok(());
            };
            let bits: Vec<i64> = args[1..]
                .iter()
                .map(|v| match v {
                    Val::I64(b) => *b,
                    _ => 0,
                })
                .collect();
            let mut state = state.lock().unwrap_or_else(PoisonError::into_inner);
            state.event(kind, func as u32, &bits);
            Ok(())
        })
    }

    /// Ends the trace: resets the depth a trap left, writes how many events were not written,
    /// and flushes. The first write error, if any, is returned here.
    pub fn finish(&self) -> std::io::Result<TraceSummary> {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.depth = 0;
        let summary = state.summary;
        if let Some(e) = state.failed.take() {
            return Err(e);
        }
        if summary.not_written > 0 && !state.options.json {
            let cap = state.options.max_events;
            writeln!(
                state.out,
                "... {} event(s) not shown (filtered out, or past --max-events {cap})",
                summary.not_written
            )?;
        }
        state.out.flush()?;
        Ok(summary)
    }
}

impl State {
    fn event(&mut self, kind: Kind, func: u32, bits: &[i64]) {
        if matches!(kind, Kind::Exit | Kind::HostExit) {
            self.depth = self.depth.saturating_sub(1);
        }
        let depth = self.depth;
        if matches!(kind, Kind::Enter | Kind::HostEnter) {
            self.depth += 1;
        }
        self.summary.events += 1;
        let name = self.symbols.name(func);
        if self.failed.is_some()
            || self.summary.written >= self.options.max_events
            || !self.options.filter.shows(&name)
        {
            self.summary.not_written += 1;
            return;
        }
        let (params, results) = self.symbols.func_type(func);
        let types = match kind {
            Kind::Enter | Kind::HostEnter => params,
            Kind::Exit | Kind::HostExit => results,
        };
        let values: Vec<String> = types
            .iter()
            .zip(bits)
            .map(|(&ty, &b)| show_value(ty, b))
            .collect();
        let line = if self.options.json {
            let event = Event {
                event: match kind {
                    Kind::Enter => "enter",
                    Kind::Exit => "exit",
                    Kind::HostEnter => "host_enter",
                    Kind::HostExit => "host_exit",
                },
                func,
                name: &name,
                depth,
                values,
            };
            serde_json::to_string(&event).unwrap_or_default()
        } else {
            let indent = "  ".repeat(depth.min(64));
            match kind {
                Kind::Enter => format!("{indent}-> {name}({})", values.join(", ")),
                Kind::HostEnter => format!("{indent}=> {name}({})", values.join(", ")),
                Kind::Exit | Kind::HostExit => {
                    let arrow = if kind == Kind::Exit { "<-" } else { "<=" };
                    match values.len() {
                        0 => format!("{indent}{arrow} {name}"),
                        1 => format!("{indent}{arrow} {name} = {}", values[0]),
                        _ => format!("{indent}{arrow} {name} = ({})", values.join(", ")),
                    }
                }
            }
        };
        match writeln!(self.out, "{line}") {
            Ok(()) => self.summary.written += 1,
            Err(e) => {
                self.failed = Some(e);
                self.summary.not_written += 1;
            }
        }
    }
}
